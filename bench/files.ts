/**
 * The benchmark's input files: random bytes behind a valid MP4 `ftyp` box, so every uploader's type
 * sniffing says `video/mp4`. Generated once into a git-ignored directory and reused across runs (a file
 * whose size or header is wrong is regenerated); their SHA-256 is kept beside them so each upload can be
 * checked byte for byte against what the emulator assembled.
 *
 * @module
 */
import { createHash, randomFillSync } from "node:crypto"
import { createReadStream } from "node:fs"
import { mkdir, open, readFile, stat, writeFile } from "node:fs/promises"
import * as Path from "node:path"

/** One MiB, the unit of every size in the benchmark. */
export const MiB = 1024 * 1024

/** A generated input file. */
export interface BenchFile {
  /** Size in MiB (8, 64, 256, 512). */
  readonly sizeMiB: number
  readonly bytes: number
  readonly path: string
  /** Hex SHA-256 of the whole file. */
  readonly sha256: string
}

/**
 * An ISO BMFF `ftyp` box (24 bytes: size, "ftyp", major brand isom, minor version, compatible brands
 * isom and mp41): what MP4 sniffers look for at offset 4.
 */
export const ftypBox = (): Uint8Array => {
  const box = new Uint8Array(24)
  const view = new DataView(box.buffer)
  view.setUint32(0, 24)
  box.set(new TextEncoder().encode("ftypisom"), 4)
  view.setUint32(12, 0x200)
  box.set(new TextEncoder().encode("isommp41"), 16)
  return box
}

const hasHeader = async (path: string): Promise<boolean> => {
  const handle = await open(path, "r")
  try {
    const head = new Uint8Array(24)
    await handle.read(head, 0, 24, 0)
    const expected = ftypBox()
    return head.every((byte, i) => byte === expected[i])
  } finally {
    await handle.close()
  }
}

const sha256Of = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    createReadStream(path, { highWaterMark: 4 * MiB })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")))
  })

/** Writes `bytes` random bytes (ftyp header first) to `path`, 4 MiB at a time, and returns their SHA-256. */
const generate = async (path: string, bytes: number): Promise<string> => {
  const hash = createHash("sha256")
  const handle = await open(path, "w")
  try {
    const block = Buffer.allocUnsafe(4 * MiB)
    let written = 0
    while (written < bytes) {
      const length = Math.min(block.length, bytes - written)
      const piece = block.subarray(0, length)
      randomFillSync(piece)
      if (written === 0) piece.set(ftypBox().subarray(0, Math.min(24, length)))
      hash.update(piece)
      await handle.write(piece, 0, length, written)
      written += length
    }
  } finally {
    await handle.close()
  }
  return hash.digest("hex")
}

/** Makes sure the file exists with `bytes` bytes and the ftyp header (generating it otherwise), and returns its hash. */
const ensureFile = async (path: string, bytes: number, log: (line: string) => void): Promise<string> => {
  const hashPath = `${path}.sha256`
  const existing = await stat(path).catch(() => undefined)
  if (existing !== undefined && existing.size === bytes && (await hasHeader(path))) {
    const cached = (await readFile(hashPath, "utf8").catch(() => "")).trim()
    if (cached !== "") return cached
    log(`hashing ${path}`)
    const sha256 = await sha256Of(path)
    await writeFile(hashPath, `${sha256}\n`)
    return sha256
  }
  log(`generating ${path} (${(bytes / MiB).toFixed(2)} MiB of random bytes behind an MP4 ftyp box)`)
  const sha256 = await generate(path, bytes)
  await writeFile(hashPath, `${sha256}\n`)
  return sha256
}

/** The small file of the warm-up upload each child makes before the measured one (256 KiB: one segment). */
export const ensureWarmupFile = async (dir: string, log: (line: string) => void = () => {}): Promise<BenchFile> => {
  await mkdir(dir, { recursive: true })
  const bytes = 256 * 1024
  const path = Path.join(dir, "warmup-256KiB.mp4")
  return { sizeMiB: bytes / MiB, bytes, path, sha256: await ensureFile(path, bytes, log) }
}

/**
 * Makes sure `dir/<size>MiB.mp4` exists with the right size and header for every size, generating what
 * is missing, and returns the files with their hashes (cached in `<file>.sha256`).
 */
export const ensureFiles = async (
  dir: string,
  sizesMiB: ReadonlyArray<number>,
  log: (line: string) => void = () => {}
): Promise<ReadonlyArray<BenchFile>> => {
  await mkdir(dir, { recursive: true })
  const files: Array<BenchFile> = []
  for (const sizeMiB of sizesMiB) {
    const bytes = sizeMiB * MiB
    const path = Path.join(dir, `${sizeMiB}MiB.mp4`)
    files.push({ sizeMiB, bytes, path, sha256: await ensureFile(path, bytes, log) })
  }
  return files
}
