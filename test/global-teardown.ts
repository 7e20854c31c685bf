import { dropDatabase, templateName } from './helpers/database';

export default async function globalTeardown(): Promise<void> {
  await dropDatabase(templateName());
}
