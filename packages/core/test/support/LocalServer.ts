/**
 * A test's own server on a free port of 127.0.0.1, for the scope: closing it destroys the sockets it
 * accepted (a server that never answers would otherwise keep the test's end waiting).
 */
import { Effect, type Scope } from "effect"
import type { Server, Socket } from "node:net"

/** What `listen` gives: the port and how many connections the server accepted so far. */
export interface Listening {
  readonly port: number
  readonly connections: () => number
}

/** Starts `server` on 127.0.0.1 and a free port; closes it, with every accepted socket, when the scope ends. */
export const listen = (server: Server): Effect.Effect<Listening, never, Scope.Scope> => {
  const sockets: Array<Socket> = []
  server.on("connection", (socket) => sockets.push(socket))
  return Effect.acquireRelease(
    Effect.callback<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    }),
    () =>
      Effect.callback<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((port) => ({ port, connections: () => sockets.length })))
}
