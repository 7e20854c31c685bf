import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import MarkdownIt from 'markdown-it';
import { contracts } from '../../contracts';
import { DOCS_PATH, ERRORS_PATH, OPENAPI_PATH, openApiDocument } from '../../contracts/openapi';

/** Swagger UI's prebuilt bundle, served from node_modules: the reference page loads nothing from elsewhere. */
const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS = `${DOCS_PATH}/assets`;

/** A file of the repository's root (found upwards: this file runs from src/ under ts-jest and from dist/src/ built). */
function repositoryFile(name: string): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new Error(`${name} not found above ${__dirname}`);
}

/** docs/errors.md as a page whose `## type` headings are anchors: the `error_url` of Roster's own error types. */
function errorReferencePage(): string {
  const markdown = new MarkdownIt();
  // Each `## type` heading gets its type as id, so `…/docs/errors.md#type` lands on it.
  markdown.core.ruler.push('error_type_anchors', (state) => {
    state.tokens.forEach((token, i) => {
      if (token.type === 'heading_open' && token.tag === 'h2') token.attrSet('id', state.tokens[i + 1].content.replace(/[^a-z0-9_]/gi, ''));
    });
  });
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Roster error types</title>\n' +
    '<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}h2{font-family:monospace}</style>\n' +
    `</head>\n<body>\n${markdown.render(repositoryFile('docs/errors.md'))}</body>\n</html>\n`
  );
}

/** Relative URLs throughout, so the page works behind a proxy that mounts Roster under a prefix. */
const REFERENCE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Roster API reference</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>
  // validatorUrl: null keeps Swagger UI from sending the document to its online validator.
  SwaggerUIBundle({ url: 'openapi.json', dom_id: '#reference', validatorUrl: null, deepLinking: true });
</script>
</body>
</html>
`;

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document generated from the contracts),
 * `GET /docs` (Swagger UI rendering it) and `GET /docs/errors.md` (Roster's
 * own error types), unauthenticated: they describe the API, they hold
 * nothing of any project.
 */
export function docsRoutes(publicUrl: string): Router {
  const router = Router();
  const document = JSON.stringify(
    openApiDocument(contracts, { version: JSON.parse(repositoryFile('package.json')).version, serverUrl: publicUrl }),
  );
  router.use(ASSETS, express.static(SWAGGER_UI, { index: false, maxAge: '1h' }));
  router.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get(DOCS_PATH, (_req, res) => {
    res.type('text/html').send(REFERENCE_PAGE);
  });
  const errors = errorReferencePage();
  router.get(ERRORS_PATH, (_req, res) => {
    res.type('text/html').send(errors);
  });
  return router;
}
