/**
 * Writes the tiny sample media the demo and the tests upload: `sample.png` (a valid 16×16 PNG),
 * `sample.gif` (a valid 2-frame animated GIF89a) and `sample.mp4` (an ISO BMFF box structure:
 * `ftyp` + `free` + `mdat`, about 3 KB; well-formed but not playable). The bytes are deterministic,
 * so running it again reproduces the committed files exactly.
 *
 * Run with `npx tsx examples/media/make-samples.ts`.
 *
 * @module
 */
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { deflateSync } from "node:zlib"

const here = dirname(fileURLToPath(import.meta.url))

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 as PNG chunks use it. */
const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const u32 = (n: number): Uint8Array =>
  new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** Deterministic filler bytes (a linear congruential generator). */
const filler = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** A 16×16 RGB PNG with a diagonal gradient. */
const png = (): Uint8Array => {
  const size = 16
  const chunk = (type: string, data: Uint8Array) => {
    const typed = concat(ascii(type), data)
    return concat(u32(data.byteLength), typed, u32(crc32(typed)))
  }
  const header = concat(u32(size), u32(size), new Uint8Array([8, 2, 0, 0, 0]))
  const rows: Array<Uint8Array> = []
  for (let y = 0; y < size; y++) {
    const row = new Uint8Array(1 + size * 3)
    for (let x = 0; x < size; x++) {
      row[1 + x * 3] = x * 16
      row[2 + x * 3] = y * 16
      row[3 + x * 3] = 0x80
    }
    rows.push(row)
  }
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(concat(...rows), { level: 9 }))),
    chunk("IEND", new Uint8Array(0))
  )
}

/** A 1×1 two-frame animated GIF89a (black, then white), looping. */
const gif = (): Uint8Array => {
  const frame = (colorIndex: number) =>
    new Uint8Array([
      // graphic control extension: 0.5 s delay
      0x21,
      0xf9,
      0x04,
      0x00,
      0x32,
      0x00,
      0x00,
      0x00,
      // image descriptor 1×1 at 0,0
      0x2c,
      0x00,
      0x00,
      0x00,
      0x00,
      0x01,
      0x00,
      0x01,
      0x00,
      0x00,
      // LZW minimum code size 2, one data sub-block: clear, index, end
      0x02,
      0x02,
      colorIndex === 0 ? 0x44 : 0x4c,
      0x01,
      0x00
    ])
  return concat(
    ascii("GIF89a"),
    // logical screen 1×1, global color table of 2 entries
    new Uint8Array([0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]),
    new Uint8Array([0x00, 0x00, 0x00, 0xff, 0xff, 0xff]),
    // NETSCAPE2.0 loop forever
    new Uint8Array([0x21, 0xff, 0x0b]),
    ascii("NETSCAPE2.0"),
    new Uint8Array([0x03, 0x01, 0x00, 0x00, 0x00]),
    frame(0),
    frame(1),
    new Uint8Array([0x3b])
  )
}

/** An ISO BMFF file: `ftyp` (isom), `free`, and an `mdat` of 3000 filler bytes. */
const mp4 = (): Uint8Array => {
  const box = (type: string, data: Uint8Array) => concat(u32(8 + data.byteLength), ascii(type), data)
  return concat(
    box("ftyp", concat(ascii("isom"), u32(0x200), ascii("isomiso2avc1mp41"))),
    box("free", ascii("x-media sample, not playable")),
    box("mdat", filler(3000, 0x5eed))
  )
}

for (const [name, bytes] of [["sample.png", png()], ["sample.gif", gif()], ["sample.mp4", mp4()]] as const) {
  writeFileSync(join(here, name), bytes)
  console.log(`${name}: ${bytes.byteLength} bytes`)
}
