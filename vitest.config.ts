import { defineConfig } from "vitest/config"

export default defineConfig({
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
      }
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
