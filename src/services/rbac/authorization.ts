import type { Knex } from 'knex';
import { AppError, badRequest } from '../../errors';
import { formatId, parseId } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { SessionRepository } from '../../repositories/session.repository';
import type { ProjectContext } from '../project-context';
import { sessionRoleIds, type SessionRoleHolder } from '../roles';
import type { SessionService } from '../sessions/session.service';
import { grantingRoles, SELF_ACTIONS, SELF_RESOURCE, type PolicyRole } from './policy';
import type { RbacPolicies } from './policies';

/** Stytch's AuthorizationCheck (sessions.authenticate's `authorization_check`). */
export interface AuthorizationCheck {
  organization_id: string;
  resource_id: string;
  action: string;
}

/** Stytch's AuthorizationVerdict: only ever answered when authorized. */
export interface AuthorizationVerdict {
  authorized: true;
  granting_roles: string[];
}

/** One permission a request needs: an action on one of Stytch's resources. */
export interface Requirement {
  resource: string;
  action: string;
}

/** What a request made with a member session (X-Stytch-Member-Session / -SessionJWT) asks to do. */
export interface MemberRequest {
  /** The organizations the request acts on (its path's, or a search's); each must be the session's. */
  organizationRefs: string[];
  /** The member the request acts on, when its path names one: acting on oneself, `stytch.self` counts too. */
  memberRef?: string;
  requirements: Requirement[];
  /** Stytch: trusted metadata is for the backend alone, never set while acting as a member. */
  setsTrustedMetadata: boolean;
}

export interface SessionCredentials {
  session_token?: string;
  session_jwt?: string;
}

/** The session with its member and organization: what its roles are read from (sessionRoleIds). */
export interface Subject extends SessionRoleHolder {
  member: MemberModel;
  organization: OrganizationModel;
}

const tenancyMismatch = () =>
  new AppError('session_authorization_tenancy_error', 403, "The organization does not match the member session's organization.");

const notAuthorized = (requirement: Requirement) =>
  new AppError(
    'session_authorization_error',
    403,
    `The member is not authorized to perform "${requirement.action}" on "${requirement.resource}".`,
  );

/** Whether a reference (id, slug or external id, as every endpoint takes it) names this organization. */
function namesOrganization(project: ProjectContext, organization: OrganizationModel, ref: string): boolean {
  const id = parseId('organization', project.env, ref);
  if (id) return id === organization.id;
  return ref.toLowerCase() === organization.slug.toLowerCase() || ref === organization.external_id;
}

/** Whether a reference (id or external id) names this member. */
function namesMember(project: ProjectContext, member: MemberModel, ref: string): boolean {
  const id = parseId('member', project.env, ref);
  return id ? id === member.id : ref === member.external_id;
}

/**
 * RBAC decisions on member sessions: the `authorization_check` of
 * sessions.authenticate, and the requests made with a member session, which
 * run with that member's permissions instead of the project secret's. The
 * roles that count are the project policy's and the session organization's own.
 */
export class Authorization {
  constructor(
    private readonly knex: Knex,
    private readonly policies: RbacPolicies,
    private readonly sessions: SessionService,
    private readonly sessionRows: SessionRepository,
  ) {}

  private async policyRoles(project: ProjectContext, organization: OrganizationModel): Promise<PolicyRole[]> {
    return [...(await this.policies.policy(this.knex, project.id)).roles, ...organization.custom_roles];
  }

  /** The verdict on an authorization check of an authenticated session; 403 in Stytch's types when refused. */
  async check(project: ProjectContext, subject: Subject, check: AuthorizationCheck): Promise<AuthorizationVerdict> {
    // The SDK's local check compares the ids as strings; so does this one (no slug, no external id).
    if (parseId('organization', project.env, check.organization_id) !== subject.organization.id) throw tenancyMismatch();
    const roles = await this.policyRoles(project, subject.organization);
    const granting = grantingRoles(roles, sessionRoleIds(subject), check.resource_id, check.action);
    if (granting.length === 0) throw notAuthorized({ resource: check.resource_id, action: check.action });
    return { authorized: true, granting_roles: granting };
  }

  /**
   * Lets a request made with a member session through, or refuses it: the
   * session must be live (401/404 otherwise), belong to the organization the
   * request acts on (403 tenancy), and its roles must grant every action the
   * request needs, `stytch.self` standing in for `stytch.member` when the
   * member acts on itself with an action `stytch.self` has (403).
   */
  /** Refuses the request unless the session's member may make it; answers that member's public id (the request's actor). */
  async authorizeRequest(project: ProjectContext, credentials: SessionCredentials, request: MemberRequest): Promise<string> {
    if (credentials.session_token !== undefined && credentials.session_jwt !== undefined) {
      throw badRequest('too_many_session_arguments', 'Send X-Stytch-Member-Session or X-Stytch-Member-SessionJWT, not both.');
    }
    const key = await this.sessions.identify(project, credentials);
    const owned = await this.sessionRows.findOwned(this.knex, project.id, key.where);
    if (!owned)
      throw new AppError('session_not_found', 404, 'The member session could not be found (it expired, was revoked, or never existed).');
    const { member, organization } = owned;
    if (!request.organizationRefs.every((ref) => namesOrganization(project, organization, ref))) throw tenancyMismatch();
    if (request.setsTrustedMetadata) {
      throw badRequest(
        'member_session_cannot_set_trusted_metadata',
        'trusted_metadata cannot be set by a request made with a member session; set it with the project secret alone.',
      );
    }
    const actorId = formatId('member', project.env, member.id);
    if (request.requirements.length === 0) return actorId;
    const roles = await this.policyRoles(project, organization);
    const held = sessionRoleIds(owned);
    const self = request.memberRef !== undefined && namesMember(project, member, request.memberRef);
    const grants = ({ resource, action }: Requirement) =>
      grantingRoles(roles, held, resource, action).length > 0 ||
      (self && resource === 'stytch.member' && SELF_ACTIONS.has(action) && grantingRoles(roles, held, SELF_RESOURCE, action).length > 0);
    const refused = request.requirements.find((r) => !grants(r));
    if (refused) throw notAuthorized(refused);
    return actorId;
  }
}
