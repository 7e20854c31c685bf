import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Case {
  /** Where the code would live (decides which layer's rule applies). */
  file: string;
  imports: string[];
}

/**
 * The imports ESLint refuses in each case, linted with the repository's own
 * eslint.config.mjs. ESLint loads that ES module itself, which jest's module
 * sandbox cannot do, so it runs in a child process (one for all cases).
 */
function refused(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint();
      const out = [];
      for (const c of cases) {
        const code = c.imports.map((source, i) => "import * as m" + i + " from '" + source + "';\\nexport { m" + i + " };").join('\\n') + '\\n';
        const [result] = await eslint.lintText(code, { filePath: c.file });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => c.imports[(m.line - 1) / 2]));
      }
      process.stdout.write(JSON.stringify(out));
    })();
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8' }));
}

describe('the import-boundaries lint rule', () => {
  it('holds each layer to the arrows of docs/architecture.md', () => {
    const cases: Case[] = [
      {
        file: 'src/services/sessions/example.ts',
        imports: [
          '../../api/route',
          '../../queues/registry',
          'express',
          'bullmq',
          '../../repositories/db',
          '../../jobs',
          '../../contracts',
        ],
      },
      { file: 'src/services/example.ts', imports: ['../api/presenters/wire', '../repositories/db', '../email-rules'] },
      {
        file: 'src/contracts/example.ts',
        imports: ['knex', 'objection', 'express', 'ioredis', '../services/roles', '../models/job.model', '../formats', 'json-schema-to-ts'],
      },
      { file: 'src/jobs/example.ts', imports: ['bullmq', '../queues/registry', '../repositories/db', './job-types'] },
      { file: 'src/repositories/example.ts', imports: ['../services/roles', '../api/route', '../jobs', '../models/job.model', 'knex'] },
      {
        file: 'src/api/routes/example.ts',
        imports: ['knex', '../../models/job.model', '../../services/member.service', '../../contracts'],
      },
      { file: 'src/api/middleware/example.ts', imports: ['../../repositories/constraint-errors', 'express'] },
    ];
    expect(refused(cases)).toEqual([
      ['../../api/route', '../../queues/registry', 'express', 'bullmq'],
      ['../api/presenters/wire'],
      ['knex', 'objection', 'express', 'ioredis', '../services/roles', '../models/job.model'],
      ['bullmq', '../queues/registry', '../repositories/db'],
      ['../services/roles', '../api/route'],
      ['knex', '../../models/job.model'],
      [],
    ]);
  });
});
