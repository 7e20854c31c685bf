import type { Knex } from 'knex';
import { AppError } from '../../../errors';
import { formatId } from '../../../ids';
import { logger } from '../../../logger';
import type { SsoConnectionRepository } from '../../../repositories/sso-connection.repository';
import { connectionPublicId } from './sso-connections';
import type { SamlConnections } from './saml-connections';

/** How far ahead an IdP certificate's expiry is reported. */
const EXPIRY_WARNING_MS = 30 * 24 * 3600_000;
const PAGE = 100;

export interface MetadataRefreshReport {
  refreshed: number;
  failed: { connection_id: string; error: string }[];
  /** IdP certificates (after the refresh) that expire within 30 days: the IdP must publish a new one in time. */
  expiring: { connection_id: string; certificate_id: string; expires_at: string }[];
}

/**
 * The scheduled `sso.saml-metadata-refresh`: reads again the metadata of every
 * SAML connection set up by updateByURL (IdPs rotate their certificates
 * there), and reports the IdP certificates about to expire.
 */
export class SamlMetadataRefresh {
  constructor(
    private readonly knex: Knex,
    private readonly connections: SsoConnectionRepository,
    private readonly saml: SamlConnections,
  ) {}

  async refresh(now = new Date()): Promise<MetadataRefreshReport> {
    const report: MetadataRefreshReport = { refreshed: 0, failed: [], expiring: [] };
    for (let afterId: string | undefined, page; (page = await this.connections.metadataConnections(this.knex, afterId, PAGE)).length > 0;) {
      afterId = page[page.length - 1].id;
      for (const connection of page) {
        const env = connection.project_env;
        const connectionId = connectionPublicId(env, connection);
        const project = { id: connection.project_id, env, publicId: formatId('project', env, connection.project_id) };
        try {
          const record = await this.saml.updateByUrl(
            project,
            formatId('organization', env, connection.organization_id),
            connectionId,
            connection.saml!.idp_metadata_url,
          );
          report.refreshed++;
          for (const certificate of record.certificates) {
            const expires = certificate.expires_at;
            if (certificate.purpose === 'verification' && expires && expires.getTime() - now.getTime() < EXPIRY_WARNING_MS) {
              report.expiring.push({ connection_id: connectionId, certificate_id: certificate.id, expires_at: expires.toISOString() });
            }
          }
        } catch (error) {
          // An IdP that is down or publishes bad metadata keeps its current settings; the others still refresh.
          if (!(error instanceof AppError)) throw error;
          report.failed.push({ connection_id: connectionId, error: error.message });
        }
      }
    }
    if (report.expiring.length > 0) logger.warn({ expiring: report.expiring }, 'SAML IdP certificates expire within 30 days');
    return report;
  }
}
