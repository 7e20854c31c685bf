import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import { contracts } from '../../contracts';
import { DOCS_PATH, OPENAPI_PATH, openApiDocument } from '../../contracts/openapi';

/** Swagger UI's prebuilt bundle, served from node_modules: the reference page loads nothing from elsewhere. */
const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS = `${DOCS_PATH}/assets`;

/** Roster's version, from its package.json (found upwards: this file runs from src/ under ts-jest and from dist/src/ built). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
  }
  throw new Error(`package.json not found above ${__dirname}`);
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
 * `GET /openapi.json` (the OpenAPI 3.1 document generated from the contracts)
 * and `GET /docs` (Swagger UI rendering it), unauthenticated: they describe
 * the API, they hold nothing of any project.
 */
export function docsRoutes(publicUrl: string): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument(contracts, { version: packageVersion(), serverUrl: publicUrl }));
  router.use(ASSETS, express.static(SWAGGER_UI, { index: false, maxAge: '1h' }));
  router.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get(DOCS_PATH, (_req, res) => {
    res.type('text/html').send(REFERENCE_PAGE);
  });
  return router;
}
