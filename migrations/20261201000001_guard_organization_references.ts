import type { Knex } from 'knex';

/**
 * An organization reference (`organization_id` in a path or body) may be an
 * id, a slug or an external id, so no slug or external id may have the shape
 * of an id, and no slug may equal (case-insensitively) another live
 * organization's external id in the same project, nor the reverse. The unique
 * indexes cannot express "a value of one column against another column of
 * other rows", so this trigger checks it for every writer (the API, the CSV
 * import's set-based INSERT, anything to come).
 */
const ORGANIZATION_ID_SHAPE = '^organization-(test|live)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export async function up(knex: Knex): Promise<void> {
  // The trigger's external-id lookup is case-insensitive, like slug lookups.
  await knex.raw(`
    CREATE INDEX organizations__project_id_lower_external_id__index
      ON organizations (project_id, lower(external_id)) WHERE deleted_at IS NULL AND external_id IS NOT NULL`);

  // One definition for the trigger and for writers that filter before they insert (the CSV import).
  await knex.raw(`
    CREATE FUNCTION roster_looks_like_organization_id(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT value ~* '${ORGANIZATION_ID_SHAPE}' $$`);

  // Only values that change are checked: a legacy row that breaks the rule can
  // still be updated in its other columns, and fixed.
  await knex.raw(`
    CREATE FUNCTION roster_check_organization_references() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      slug_changed boolean := TG_OP = 'INSERT';
      external_id_changed boolean := TG_OP = 'INSERT';
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        slug_changed := NEW.slug IS DISTINCT FROM OLD.slug;
        external_id_changed := NEW.external_id IS DISTINCT FROM OLD.external_id;
      END IF;
      IF NEW.deleted_at IS NOT NULL OR NOT (slug_changed OR external_id_changed) THEN
        RETURN NEW;
      END IF;
      IF slug_changed AND roster_looks_like_organization_id(NEW.slug) THEN
        RAISE EXCEPTION 'organization slug "%" has the shape of an organization id', NEW.slug
          USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations__slug__not_id';
      END IF;
      IF external_id_changed AND roster_looks_like_organization_id(NEW.external_id) THEN
        RAISE EXCEPTION 'organization external id "%" has the shape of an organization id', NEW.external_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations__external_id__not_id';
      END IF;
      -- Two transactions could each pass the checks below before either
      -- commits (one taking slug X, the other external id X). Writers of one
      -- project's references queue on this lock, held until commit; each
      -- check then runs on a fresh READ COMMITTED snapshot, so it sees the
      -- write that went before it.
      PERFORM pg_advisory_xact_lock(hashtextextended('organization-references:' || NEW.project_id::text, 0));
      IF slug_changed AND EXISTS (
        SELECT 1 FROM organizations o
        WHERE o.project_id = NEW.project_id AND o.deleted_at IS NULL AND o.id <> NEW.id
          AND o.external_id IS NOT NULL AND lower(o.external_id) = lower(NEW.slug)
      ) THEN
        RAISE EXCEPTION 'organization slug "%" is another organization''s external id', NEW.slug
          USING ERRCODE = 'unique_violation', CONSTRAINT = 'organizations__slug__other_external_id';
      END IF;
      IF external_id_changed AND NEW.external_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM organizations o
        WHERE o.project_id = NEW.project_id AND o.deleted_at IS NULL AND o.id <> NEW.id
          AND lower(o.slug) = lower(NEW.external_id)
      ) THEN
        RAISE EXCEPTION 'organization external id "%" is another organization''s slug', NEW.external_id
          USING ERRCODE = 'unique_violation', CONSTRAINT = 'organizations__external_id__other_slug';
      END IF;
      RETURN NEW;
    END $$`);

  await knex.raw(`
    CREATE TRIGGER organizations__references__check
      BEFORE INSERT OR UPDATE OF slug, external_id ON organizations
      FOR EACH ROW EXECUTE FUNCTION roster_check_organization_references()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER organizations__references__check ON organizations');
  await knex.raw('DROP FUNCTION roster_check_organization_references()');
  await knex.raw('DROP FUNCTION roster_looks_like_organization_id(text)');
  await knex.raw('DROP INDEX organizations__project_id_lower_external_id__index');
}
