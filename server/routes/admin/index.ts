/**
 * Platform resources under /api/v1: sign-in (`/auth/*`), user management (`/users`), the audit
 * log (`/audit`) and the scheduled jobs (`/jobs`). One encapsulated plugin per resource.
 */
import type { FastifyPluginAsync } from 'fastify';
import auditRoutes from './audit.ts';
import authRoutes from './auth.ts';
import jobRoutes from './jobs.ts';
import userRoutes from './users.ts';

const adminRoutes: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes);
  await app.register(userRoutes);
  await app.register(auditRoutes);
  await app.register(jobRoutes);
};

export default adminRoutes;
