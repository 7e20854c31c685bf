import { Model } from 'objection';
import type { ProjectEnv } from '../ids';

export class ProjectModel extends Model {
  static override tableName = 'projects';
  static override jsonAttributes: string[] = [];

  id!: string;
  env!: ProjectEnv;
  name!: string;
  secret_hash!: Buffer;
  redirect_urls!: string[];
  created_at!: Date;
  updated_at!: Date;
}
