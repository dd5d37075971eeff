/**
 * Says once per run, before the results, which suites are skipped on this machine and why:
 * a skip buried in a verbose report is easy to miss, and a skipped backend proves nothing.
 */
import { existsSync } from 'node:fs';

export function hasContainerRuntime(): boolean {
  return existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);
}

export default function announceSkips(): void {
  const skipped: string[] = [];
  if (!process.env.PG_RLS_TEST_URL) {
    skipped.push('url backend suites: PG_RLS_TEST_URL is not set (bash .ci/postgres.sh start prints one; CI sets it)');
  }
  if (!hasContainerRuntime()) {
    skipped.push('testcontainers start/reset/stop test: no container runtime (no /var/run/docker.sock, no DOCKER_HOST); the rest of that backend is tested up to the runtime check');
  }
  for (const line of skipped) process.stderr.write(`pg-rls-test: skipped ${line}\n`);
}
