/**
 * Real servers for the fleet tests: a `redis-server` and a PostgreSQL cluster (`initdb` into a
 * temporary directory), each on a free port of 127.0.0.1, run as daemons so that a test (or the
 * benchmark) can stop and start them again while uploads run. Used by the vitest global setup and
 * by bench/fleet.ts.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Where PostgreSQL's programs are: `PG_BIN`, else Debian's newest /usr/lib/postgresql/<version>/bin. */
export const pgBin = process.env["PG_BIN"] ?? (() => {
  const versions = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : []
  return `/usr/lib/postgresql/${versions[0] ?? "15"}/bin`
})()

/** A free TCP port of 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** What a started pair of servers is, in a form a test process can be handed (JSON). */
export interface ServersInfo {
  readonly redisUrl: string
  readonly redisPort: number
  readonly redisDir: string
  readonly databaseUrl: string
  readonly pgPort: number
  readonly pgDir: string
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0

/** Runs a PostgreSQL program, as the `postgres` user when we are root (PostgreSQL refuses root). */
const pg = (program: string, args: ReadonlyArray<string>): string => {
  const path = join(pgBin, program)
  return isRoot
    ? execFileSync("runuser", ["-u", "postgres", "--", path, ...args], { encoding: "utf8", stdio: "pipe" })
    : execFileSync(path, [...args], { encoding: "utf8", stdio: "pipe" })
}

const redisArgs = (info: Pick<ServersInfo, "redisPort" | "redisDir">) => [
  "--port",
  String(info.redisPort),
  "--bind",
  "127.0.0.1",
  "--daemonize",
  "yes",
  "--pidfile",
  join(info.redisDir, "redis.pid"),
  "--dir",
  info.redisDir,
  "--save",
  "",
  "--appendonly",
  "no",
  "--logfile",
  join(info.redisDir, "redis.log")
]

/** Starts the redis-server of `info` (again) and waits until it answers. */
export const startRedis = (info: Pick<ServersInfo, "redisPort" | "redisDir">): void => {
  execFileSync("redis-server", redisArgs(info), { stdio: "pipe" })
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync("redis-cli", ["-p", String(info.redisPort), "ping"], { encoding: "utf8" }).includes("PONG")) {
        return
      }
    } catch {
      // not up yet
    }
    execFileSync("sleep", ["0.05"])
  }
  throw new Error(`redis-server did not start on port ${info.redisPort}`)
}

/** Stops the redis-server of `info` (its data is not kept: the budget's state is lost). */
export const stopRedis = (info: Pick<ServersInfo, "redisPort" | "redisDir">): void => {
  try {
    execFileSync("redis-cli", ["-p", String(info.redisPort), "shutdown", "nosave"], { stdio: "pipe" })
  } catch {
    // already down: redis-cli reports the closed connection as an error
  }
  const pidFile = join(info.redisDir, "redis.pid")
  for (let i = 0; i < 100 && existsSync(pidFile); i++) execFileSync("sleep", ["0.05"])
}

const pgStartArgs = (info: Pick<ServersInfo, "pgPort" | "pgDir">) => [
  "-D",
  join(info.pgDir, "data"),
  "-l",
  join(info.pgDir, "postgres.log"),
  "-w",
  "-o",
  `-p ${info.pgPort} -c listen_addresses=127.0.0.1 -k ${info.pgDir} -c max_connections=200 -c fsync=off`,
  "start"
]

/** Starts PostgreSQL of `info` (again) and waits until it accepts connections. */
export const startPostgres = (info: Pick<ServersInfo, "pgPort" | "pgDir">): void => {
  pg("pg_ctl", pgStartArgs(info))
}

/** Stops PostgreSQL of `info` at once (`immediate`: connections are cut, as in a crash). */
export const stopPostgres = (info: Pick<ServersInfo, "pgPort" | "pgDir">): void => {
  pg("pg_ctl", ["-D", join(info.pgDir, "data"), "-m", "immediate", "-w", "stop"])
}

/** Creates and starts both servers in fresh temporary directories. */
export const startServers = async (): Promise<ServersInfo> => {
  const root = mkdtempSync(join(tmpdir(), "x-media-fleet-"))
  chmodSync(root, 0o755)
  const redisDir = join(root, "redis")
  const pgDir = join(root, "pg")
  execFileSync("mkdir", ["-p", redisDir, pgDir])
  if (isRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(pgDir, uid, gid)
  }
  const redisPort = await freePort()
  const pgPort = await freePort()
  const info: ServersInfo = {
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    redisPort,
    redisDir,
    databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    pgPort,
    pgDir
  }
  startRedis(info)
  pg("initdb", ["-D", join(pgDir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
  startPostgres(info)
  return info
}

/** Stops both servers and removes their directories. Safe to call twice or after a failed start. */
export const stopServers = (info: ServersInfo): void => {
  stopRedis(info)
  if (existsSync(join(info.pgDir, "data", "postmaster.pid"))) {
    try {
      stopPostgres(info)
    } catch {
      // already stopped
    }
  }
  rmSync(join(info.pgDir, ".."), { recursive: true, force: true })
}

/** The pid in a pid file, if the file exists. */
export const pidIn = (file: string): number | undefined =>
  existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : undefined

/**
 * A fresh database on the servers' PostgreSQL, so that each test file has a fleet of its own (the
 * cluster would otherwise share uploads between the workers of different files).
 */
export const freshDatabase = (info: ServersInfo, name: string): string => {
  const database = `${name}_${Math.random().toString(36).slice(2, 8)}`
  execFileSync(join(pgBin, "psql"), [info.databaseUrl, "-c", `CREATE DATABASE ${database}`], { stdio: "pipe" })
  return info.databaseUrl.replace(/\/[^/]*$/, `/${database}`)
}
