import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["core", "emulator", "node"].map((name) => ({
      extends: true,
      test: {
        name,
        root: `packages/${name}`,
        include: ["test/**/*.test.ts"]
      }
    })),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
