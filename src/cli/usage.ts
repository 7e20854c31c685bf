export const USAGE = `Usage: npm run roster -- <command>

Commands:
  projects create --name <name> [--live] [--redirect-url <url> ...]
      Creates a project and prints its project_id and secret. The secret is
      shown only this once; Roster keeps only its hash.

  import <members.csv> [--org <organization id or slug>] [--on-conflict skip|update]
         [--create-organizations] [--dry-run]
      Uploads a member migration and shows its progress until it ends.

  jobs show <job_id>      Prints a job.
  jobs watch <job_id>     Shows a job's progress until it ends.
  jobs errors <job_id>    Prints the rows a job rejected, as CSV.

Client commands talk to ROSTER_URL (default PUBLIC_URL, http://localhost:3000)
as the project in ROSTER_PROJECT_ID / ROSTER_PROJECT_SECRET.`;

export class UsageError extends Error {}
