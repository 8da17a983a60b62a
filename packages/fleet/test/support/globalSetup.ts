/**
 * Vitest global setup of the fleet project: starts a real redis-server and PostgreSQL on free
 * ports of 127.0.0.1 before the tests, hands their addresses to them (`inject("servers")`), and
 * stops both afterwards.
 */
import type { TestProject } from "vitest/node"
import { type ServersInfo, startServers, stopServers } from "./Servers.ts"

declare module "vitest" {
  export interface ProvidedContext {
    servers: ServersInfo
  }
}

export default async function setup(project: TestProject) {
  const servers = await startServers()
  project.provide("servers", servers)
  return () => stopServers(servers)
}
