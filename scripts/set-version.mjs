// Sets the one version of the published packages: `npm run set-version -- 0.2.0`. Writes it into each
// package's package.json (`version`, and the ranges by which they depend on each other) and into the
// workspaces that use them (bench, examples' imports go through the workspace links). The CLIs read it
// from their package.json; test/packaging.test.ts checks that everything agrees.
import { readFileSync, writeFileSync } from "node:fs"

const version = process.argv[2] ?? ""
if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
  process.stderr.write(`usage: npm run set-version -- <major.minor.patch>, got "${version}"\n`)
  process.exit(2)
}
const root = JSON.parse(readFileSync("package.json", "utf8"))
const manifests = root.workspaces.map((dir) => ({ path: `${dir}/package.json`, json: JSON.parse(readFileSync(`${dir}/package.json`, "utf8")) }))
const published = new Set(manifests.filter((m) => m.json.private !== true).map((m) => m.json.name))
const [major, minor] = version.split(".")
const caret = major === "0" ? `^0.${minor}.0` : `^${major}.0.0`
for (const { path, json } of manifests) {
  if (published.has(json.name)) json.version = version
  for (const field of ["dependencies", "devDependencies"]) {
    for (const name of Object.keys(json[field] ?? {})) if (published.has(name)) json[field][name] = version
  }
  for (const name of Object.keys(json.peerDependencies ?? {})) if (published.has(name)) json.peerDependencies[name] = caret
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
}
process.stdout.write(`${[...published].join(", ")} → ${version}; now run npm install to update package-lock.json\n`)
