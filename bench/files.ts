/**
 * The benchmark's input files: random bytes behind a header every uploader's type sniffing recognises,
 * generated once into the untracked bench/.data and reused; each file's SHA-256 is kept beside it so
 * an upload can be checked byte for byte against what the emulator assembled.
 *
 * @module
 */
import { createHash, randomFillSync } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdir, open, readFile, writeFile } from "node:fs/promises"
import * as Path from "node:path"

/** One MiB, the unit of every size in the benchmark. */
export const MiB = 1024 * 1024

/** Headers at offset 0: an MP4 `ftyp` box, or PNG's signature and IHDR start. */
export const headers = {
  mp4: Buffer.from("00000018667479706973736f6d0000020069736f6d6d703431", "hex"),
  png: Buffer.from("89504e470d0a1a0a0000000d49484452", "hex")
}

/** The MP4 `ftyp` box (24 bytes). */
export const ftypBox = (): Uint8Array => Uint8Array.from(headers.mp4)

/** A generated input file. */
export interface BenchFile {
  readonly label: string
  readonly path: string
  readonly bytes: number
  readonly sha256: string
  readonly mediaType: string
  readonly category: string
}

/** The file `name` of `bytes` random bytes behind `kind`'s header in `dataDir`, generated when missing. */
export const ensureFile = async (
  dataDir: string,
  name: string,
  bytes: number,
  kind: keyof typeof headers
): Promise<BenchFile> => {
  await mkdir(dataDir, { recursive: true })
  const path = Path.join(dataDir, name)
  const kindOf = kind === "mp4"
    ? { mediaType: "video/mp4", category: "tweet_video" }
    : { mediaType: "image/png", category: "tweet_image" }
  const cached = await readFile(`${path}.sha256`, "utf8").catch(() => "")
  if (cached !== "" && existsSync(path)) return { label: name, path, bytes, sha256: cached.trim(), ...kindOf }
  const hash = createHash("sha256")
  const handle = await open(path, "w")
  const block = Buffer.allocUnsafe(4 * MiB)
  for (let written = 0; written < bytes; written += block.length) {
    const piece = block.subarray(0, Math.min(block.length, bytes - written))
    randomFillSync(piece)
    if (written === 0) headers[kind].copy(piece)
    hash.update(piece)
    await handle.write(piece, 0, piece.length, written)
  }
  await handle.close()
  const sha256 = hash.digest("hex")
  await writeFile(`${path}.sha256`, sha256)
  return { label: name, path, bytes, sha256, ...kindOf }
}

/** MP4 files of the given sizes in MiB. */
export const ensureFiles = (dataDir: string, sizesMiB: ReadonlyArray<number>): Promise<ReadonlyArray<BenchFile>> =>
  Promise.all(sizesMiB.map((size) => ensureFile(dataDir, `${size}mib.mp4`, size * MiB, "mp4")))
