import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources, as tsconfig.json's `paths` do for tsc and tsx; users get dist/.
    // A package added under packages/<name> is covered as it is.
    alias: [
      { find: /^@x-media\/([\w-]+)$/, replacement: source("./packages/$1/src/index.ts") },
      { find: /^@x-media\/([\w-]+)\/(.+)$/, replacement: source("./packages/$1/src/$2.ts") },
      // @x-media/node's own import (package.json "imports"); the bundled CLI loads it as a bundle of its own.
      { find: "#emulator-runtime", replacement: source("./packages/node/src/cli/EmulatorRuntime.ts") }
    ]
  },
  test: {
    projects: [
      ...["core", "emulator", "node"].map((name) => ({
        extends: true,
        test: {
          name,
          root: `packages/${name}`,
          include: ["test/**/*.test.ts"]
        }
      })),
      {
        extends: true,
        test: {
          name: "fleet",
          root: "packages/fleet",
          include: ["test/**/*.test.ts"],
          // A real redis-server and PostgreSQL, started once for the project; one file at a time,
          // as some tests restart them.
          globalSetup: ["test/support/globalSetup.ts"],
          fileParallelism: false
        }
      },
      // The packed packages installed outside the repository (test/packaging.test.ts).
      { extends: true, test: { name: "packaging", root: "test", include: ["**/*.test.ts"] } }
    ],
    // Much of the suite waits (slow links, idle timeouts, worker processes, servers starting): at
    // least two files at a time even on 2 cores, where vitest's default (cores - 1) runs one.
    // On the project's 2-core machine: 5 min 36 s with one, 3 min 55 s with two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
