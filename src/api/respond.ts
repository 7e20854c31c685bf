import type { Request, Response } from 'express';

/** Every response, success or error, carries request_id and status_code. */
export function respond(req: Request, res: Response, statusCode: number, body: Record<string, unknown>): void {
  res.status(statusCode).json({ request_id: req.requestId, ...body, status_code: statusCode });
}
