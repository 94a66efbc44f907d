// Reads a JSON request body with a size limit (no body-parser dependency for a few small bodies).
import type { Context } from 'koa';
import { failures } from './http-error.js';

export async function readJson(ctx: Context, maxBytes = 16 * 1024): Promise<unknown> {
  if (!ctx.is('application/json')) throw failures.unsupportedMediaType();
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > maxBytes) throw failures.tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw failures.tooLarge(maxBytes);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw failures.badJson((err as Error).message);
  }
}
