import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  as,
  at,
  createPost,
  gifBytes,
  invalidParameter,
  mp4Bytes,
  pngBytes,
  str,
  userId,
  v1Post,
  v2Append,
  v2Finalize,
  v2Init,
  v2Ready,
  v2Status,
  v2Upload,
  withEmulator
} from "./helpers.ts"

const mediaIdsInvalid = (ids: ReadonlyArray<string>) =>
  invalidParameter("media.media_ids", ids, "Your media IDs are invalid.")

const fast = { processing: { checkAfterSecs: 0, inProgressSteps: 1 } } as const

describe("POST /2/tweets", () => {
  it.live("a post with 4 images, with an OAuth 2.0 token and with an OAuth 1.0a signature", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const ids: Array<string> = []
        for (let i = 0; i < 4; i++) ids.push(yield* v2Ready(emulator, pngBytes(200 + i), "image/png"))
        for (const scheme of ["oauth2", "oauth1"] as const) {
          const answer = yield* createPost(
            emulator,
            { text: `four cats (${scheme})`, media: { media_ids: ids } },
            scheme
          )
          expect(answer.status).toBe(201)
          const id = str(answer.json, "data", "id")
          expect(id).toMatch(/^[0-9]{19}$/)
          expect(answer.json).toEqual({ data: { id, text: `four cats (${scheme})`, edit_history_tweet_ids: [id] } })
          expect(answer.headers.get("x-rate-limit-limit")).toBe("100")
        }
        const posts = emulator.posts()
        expect(posts.map((p) => [p.authorId, p.text, p.mediaIds])).toEqual([
          [emulator.users[0].id, "four cats (oauth2)", ids],
          [emulator.users[0].id, "four cats (oauth1)", ids]
        ])
        expect(posts[0]?.media.map((m) => [m.id, m.kind, m.state])).toEqual(ids.map((id) => [id, "image", "succeeded"]))
        expect(emulator.post(posts[1]?.id ?? "")).toEqual(posts[1])
        expect(emulator.requests().filter((r) => r.step === "POST").map((r) => [r.auth, r.status, r.userId])).toEqual([
          ["oauth2", 201, emulator.users[0].id],
          ["oauth1", 201, emulator.users[0].id]
        ])
      })))

  it.live("combination rules: at most 4 images, or 1 GIF, or 1 video, never mixed", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const images: Array<string> = []
        for (let i = 0; i < 5; i++) images.push(yield* v2Ready(emulator, pngBytes(100 + i), "image/png"))
        const video = yield* v2Ready(emulator, mp4Bytes(100), "video/mp4")
        const gif = yield* v2Ready(emulator, gifBytes(100), "image/gif")
        const gif2 = yield* v2Ready(emulator, gifBytes(101), "image/gif")
        const refusals = [
          [images, "A post takes up to 4 images, or 1 animated GIF, or 1 video; got 5 media ids."],
          [
            [video, images[0] ?? ""],
            "A post takes up to 4 images, or 1 animated GIF, or 1 video; got 1 video, 1 image."
          ],
          [[gif, gif2], "A post takes up to 4 images, or 1 animated GIF, or 1 video; got 2 GIFs."],
          [[gif, video], "A post takes up to 4 images, or 1 animated GIF, or 1 video; got 1 video, 1 GIF."],
          [[], "A post takes up to 4 images, or 1 animated GIF, or 1 video; media.media_ids is empty."]
        ] as const
        for (const [ids, message] of refusals) {
          const answer = yield* createPost(emulator, { text: "too much", media: { media_ids: ids } })
          expect(answer.status).toBe(400)
          expect(answer.json).toEqual(invalidParameter("media.media_ids", ids, message))
        }
        for (const ids of [[video], [gif], images.slice(0, 4)]) {
          expect((yield* createPost(emulator, { text: "fine", media: { media_ids: ids } })).status).toBe(201)
        }
        expect(emulator.posts()).toHaveLength(3)
      })))

  it.live("a video still pending or in_progress is refused: 400 'Your media IDs are invalid.'; once processed it posts", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, mp4Bytes(1000), "video/mp4", 1000)
        const body = { text: "a video", media: { media_ids: [id] } }
        const pending = yield* createPost(emulator, body)
        expect(pending.status).toBe(400)
        expect(pending.json).toEqual(mediaIdsInvalid([id]))
        expect(emulator.requests().at(-1)?.error).toBe(`media ${id} is pending, not succeeded`)
        expect(at((yield* v2Status(emulator, id)).json, "data", "processing_info", "state")).toBe("in_progress")
        const inProgress = yield* createPost(emulator, body)
        expect(inProgress.json).toEqual(mediaIdsInvalid([id]))
        expect(emulator.requests().at(-1)?.error).toBe(`media ${id} is in_progress, not succeeded`)
        expect(at((yield* v2Status(emulator, id)).json, "data", "processing_info", "state")).toBe("succeeded")
        const posted = yield* createPost(emulator, body)
        expect(posted.status).toBe(201)
        expect(emulator.posts().map((p) => p.media[0]?.state)).toEqual(["succeeded"])
      })))

  it.live("unknown, malformed, unfinished, failed, expired and duplicated ids are refused the same way", () =>
    withEmulator({ ...fast, expiresAfterSecs: { finalize: 60 } }, (emulator) =>
      Effect.gen(function*() {
        const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
        const uploading = str(
          (yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })).json,
          "data",
          "id"
        )
        const notPng = yield* v2Upload(emulator, mp4Bytes(100), "image/png", 100)
        expect(notPng.finalize.status).toBe(400)
        const cases = [
          [["1234567890123456789"], "media 1234567890123456789 does not exist"],
          [["12ab"], "media id \"12ab\" is not 1 to 19 digits"],
          [[uploading], `media ${uploading} is uploading, not succeeded`],
          [[notPng.id], `media ${notPng.id} is failed, not succeeded`],
          [[image, image], `media ${image} is listed twice`]
        ] as const
        for (const [ids, reason] of cases) {
          const answer = yield* createPost(emulator, { text: "x", media: { media_ids: ids } })
          expect(answer.status).toBe(400)
          expect(answer.json).toEqual(mediaIdsInvalid(ids))
          expect(emulator.requests().at(-1)?.error).toBe(reason)
        }
        expect((yield* createPost(emulator, { text: "x", media: { media_ids: [image] } })).status).toBe(201)
        emulator.advanceClock(60_000)
        const expired = yield* createPost(emulator, { text: "x", media: { media_ids: [image] } })
        expect(expired.status).toBe(400)
        expect(expired.json).toEqual(mediaIdsInvalid([image]))
        expect(emulator.requests().at(-1)?.error).toBe(`media ${image} has expired`)
        expect(emulator.posts()).toHaveLength(1)
      })))

  it.live("another user's media is refused; listed in additional_owners it posts (v2 array, v1.1 comma list)", () =>
    withEmulator({ ...fast, users: 3 }, (emulator) =>
      Effect.gen(function*() {
        const [alice, bob, carol] = [as(emulator, 0), as(emulator, 1), as(emulator, 2)]
        const [aliceId, carolId] = [emulator.users[0].id, userId(emulator, 2)]
        const bobs = yield* v2Ready(bob, pngBytes(100), "image/png")
        const refused = yield* createPost(alice, { text: "not mine", media: { media_ids: [bobs] } })
        expect(refused.json).toEqual(mediaIdsInvalid([bobs]))
        expect(emulator.requests().at(-1)?.error).toBe(
          `media ${bobs} belongs to user ${userId(emulator, 1)}, who did not list ${aliceId} in additional_owners`
        )
        // Alice cannot see or touch Bob's media either
        expect((yield* v2Status(alice, bobs)).status).toBe(400)

        const init = yield* v2Init(bob, { media_type: "image/png", total_bytes: 100, additional_owners: [aliceId] })
        const shared = str(init.json, "data", "id")
        // only the owner uploads
        expect((yield* v2Append(alice, shared, 0, pngBytes(100))).status).toBe(400)
        expect((yield* v2Append(bob, shared, 0, pngBytes(100))).status).toBe(200)
        expect((yield* v2Finalize(bob, shared)).status).toBe(200)
        // an additional owner checks its status and posts it
        expect((yield* v2Status(alice, shared)).status).toBe(200)
        const posted = yield* createPost(alice, { text: "shared with me", media: { media_ids: [shared] } }, "oauth1")
        expect(posted.status).toBe(201)
        expect(emulator.post(str(posted.json, "data", "id"))?.authorId).toBe(aliceId)
        expect(emulator.media(shared)).toMatchObject({ ownerId: userId(emulator, 1), additionalOwners: [aliceId] })
        expect((yield* createPost(carol, { text: "not listed", media: { media_ids: [shared] } })).status).toBe(400)

        const v1 = yield* v1Post(bob, [
          ["command", "INIT"],
          ["media_type", "image/png"],
          ["total_bytes", "10"],
          ["additional_owners", `${aliceId},${carolId}`]
        ])
        expect(emulator.media(str(v1.json, "media_id_string"))?.additionalOwners).toEqual([aliceId, carolId])
        const tooMany = yield* v2Init(bob, {
          media_type: "image/png",
          total_bytes: 10,
          additional_owners: Array.from({ length: 101 }, (_, i) => String(i + 1))
        })
        expect(tooMany.status).toBe(400)
      })))

  it.live("an OAuth 2.0 token without tweet.write is 403; with tweet.write but not media.write it posts and cannot upload", () =>
    withEmulator({
      ...fast,
      users: [{ oauth2Scopes: ["media.write", "tweet.read"] }, { oauth2Scopes: ["tweet.write"] }]
    }, (emulator) =>
      Effect.gen(function*() {
        const uploader = as(emulator, 0)
        const image = yield* v2Ready(uploader, pngBytes(100), "image/png")
        const forbidden = yield* createPost(uploader, { text: "hi", media: { media_ids: [image] } })
        expect(forbidden.status).toBe(403)
        expect(forbidden.headers.get("content-type")).toContain("application/problem+json")
        expect(forbidden.json).toMatchObject({ title: "Forbidden", status: 403, required_scopes: ["tweet.write"] })
        expect(str(forbidden.json, "detail")).toContain("tweet.write")
        expect(emulator.requests().at(-1)).toMatchObject({ step: "POST", auth: "missing-scope", userId: undefined })
        // OAuth 1.0a has no scopes
        expect((yield* createPost(uploader, { text: "hi", media: { media_ids: [image] } }, "oauth1")).status).toBe(201)
        const poster = as(emulator, 1)
        expect((yield* createPost(poster, { text: "text only" })).status).toBe(201)
        expect((yield* v2Init(poster, { media_type: "image/png", total_bytes: 10 })).status).toBe(403)
      })))

  it.live("text: 280 weighted characters as X counts them (URLs 23, CJK and emoji 2), configurable; empty only with media", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const status = (text: string) => createPost(emulator, { text }).pipe(Effect.map((a) => a.status))
        expect(yield* status("a".repeat(280))).toBe(201)
        expect(yield* status("b".repeat(281))).toBe(400)
        expect(yield* status("漢".repeat(140))).toBe(201)
        expect(yield* status("字".repeat(141))).toBe(400)
        expect(yield* status("🐈".repeat(140))).toBe(201)
        expect(yield* status("👩‍👩‍👧".repeat(141))).toBe(400)
        const url = `https://example.com/${"x".repeat(300)}`
        expect(yield* status(`${"c".repeat(256)} ${url}`)).toBe(201)
        const tooLong = yield* createPost(emulator, { text: "d".repeat(281) })
        expect(tooLong.json).toEqual(
          invalidParameter("text", ["d".repeat(281)], "Text is too long: its weighted length is 281; the limit is 280.")
        )
        expect(emulator.posts().map((p) => p.weightedLength)).toEqual([280, 280, 280, 280])

        const empty = yield* createPost(emulator, { text: "  " })
        expect(empty.json).toEqual(
          invalidParameter("text", ["  "], "Post text is empty: text is required unless media is attached.")
        )
        expect((yield* createPost(emulator, {})).status).toBe(400)
        const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
        const mediaOnly = yield* createPost(emulator, { media: { media_ids: [image] } })
        expect(mediaOnly.json).toMatchObject({ data: { text: "" } })
      })).pipe(
        Effect.andThen(withEmulator({ posts: { maxTextLength: 10 } }, (emulator) =>
          Effect.gen(function*() {
            expect((yield* createPost(emulator, { text: "0123456789" })).status).toBe(201)
            expect((yield* createPost(emulator, { text: "01234567890" })).status).toBe(400)
          })))
      ))

  it.live("replies and quotes must name a post of this emulator; ids must be well-formed", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const first = str((yield* createPost(emulator, { text: "first" })).json, "data", "id")
        const reply = yield* createPost(emulator, { text: "a reply", reply: { in_reply_to_tweet_id: first } })
        expect(reply.status).toBe(201)
        const quote = yield* createPost(emulator, { text: "a quote", quote_tweet_id: first })
        expect(quote.status).toBe(201)
        expect(emulator.posts().map((p) => [p.replyTo, p.quoteOf])).toEqual([
          [undefined, undefined],
          [first, undefined],
          [undefined, first]
        ])
        const unknown = "1111111111111111111"
        const orphan = yield* createPost(emulator, { text: "to nobody", reply: { in_reply_to_tweet_id: unknown } })
        expect(orphan.status).toBe(403)
        expect(orphan.json).toEqual({
          title: "Forbidden",
          type: "about:blank",
          status: 403,
          detail: "You attempted to reply to a Tweet that is deleted or not visible to you."
        })
        expect((yield* createPost(emulator, { text: "quote nobody", quote_tweet_id: unknown })).status).toBe(403)
        for (
          const body of [{ text: "x", reply: { in_reply_to_tweet_id: "abc" } }, { text: "x", quote_tweet_id: "1.5" }]
        ) {
          const malformed = yield* createPost(emulator, body)
          expect(malformed.status).toBe(400)
          expect(at(malformed.json, "title")).toBe("Invalid Request")
        }
        expect(emulator.posts()).toHaveLength(3)
      })))

  it.live("the body is JSON with X's fields only; the record keeps tagged users", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
        const unknownField = yield* createPost(emulator, { text: "x", status: "v1.1 field" })
        expect(unknownField.status).toBe(400)
        expect(at(unknownField.json, "title")).toBe("Invalid Request")
        const notJson = yield* createPost(emulator, "text=hello")
        expect(notJson.status).toBe(400)
        const tagged = yield* createPost(emulator, {
          text: "tagged",
          media: { media_ids: [image], tagged_user_ids: ["2244994945"] },
          reply_settings: "following",
          made_with_ai: false
        })
        expect(tagged.status).toBe(201)
        expect(emulator.posts()[0]?.taggedUserIds).toEqual(["2244994945"])
        emulator.reset()
        expect(emulator.posts()).toEqual([])
      })))
})
