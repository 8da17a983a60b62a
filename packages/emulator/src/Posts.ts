/**
 * Creating posts (`POST /2/tweets`) with X's rules, and the posts created. A post's media must each exist,
 * be usable by the poster (its owner, or listed in its `additional_owners`), be unexpired, be Post media
 * (not subtitles, not a DM category) and be processed (`succeeded`); otherwise X's 400 "Your media IDs are
 * invalid." names them. A post holds up to 4 images, or 1 animated GIF, or 1 video. The text's weighted
 * length (`TextLength`) is at most `posts.maxTextLength` (280); empty text needs media. A reply or a quote
 * must name a post this emulator created.
 *
 * @module
 */
import { Effect } from "effect"
import type { EmulatorState } from "./EmulatorState.ts"
import { newId } from "./MediaIds.ts"
import type { EmulatorUser } from "./Options.ts"
import * as Replies from "./Replies.ts"
import type { RecordedMedia, Session } from "./Store.ts"
import { weightedLength } from "./TextLength.ts"
import { canAccess } from "./Uploads.ts"
import type { PostBody } from "./WireSchemas.ts"

/** One post as the emulator created it. Times are epoch milliseconds on the emulator clock. */
export interface RecordedPost {
  /** 19 digits, like X's post ids (and, like media ids, not exactly representable as a JavaScript number). */
  readonly id: string
  /** The user who posted. */
  readonly authorId: string
  readonly text: string
  /** The text's length as X counts it (URLs 23, emoji and CJK 2). */
  readonly weightedLength: number
  /** `media.media_ids` as sent, in order. */
  readonly mediaIds: ReadonlyArray<string>
  /** The media as they were when the post was created: kind, alt text, subtitles, metadata … */
  readonly media: ReadonlyArray<RecordedMedia>
  readonly taggedUserIds: ReadonlyArray<string>
  /** `reply.in_reply_to_tweet_id`, if the post is a reply. */
  readonly replyTo: string | undefined
  /** `quote_tweet_id`, if the post quotes one. */
  readonly quoteOf: string | undefined
  readonly createdAt: number
}

/** The posts of a run, oldest first. */
export class PostStore {
  private posts = new Map<string, RecordedPost>()

  /** The post with this id, if the emulator created it. */
  get(id: string): RecordedPost | undefined {
    return this.posts.get(id)
  }

  /** Every post, oldest first. */
  all(): ReadonlyArray<RecordedPost> {
    return [...this.posts.values()]
  }

  /** Keeps a post. */
  add(post: RecordedPost): void {
    this.posts.set(post.id, post)
  }

  /** Forgets every post. */
  clear(): void {
    this.posts = new Map()
  }
}

/** The most media a post holds (images); a GIF or a video is alone. */
export const maxImagesPerPost = 4

const reject = Replies.reject

const mediaRefused = (ids: ReadonlyArray<string>, reason: string) =>
  reject(Replies.invalidParameter("media.media_ids", ids, Replies.invalidMediaIdsMessage), reason)

const combinationRefused = (ids: ReadonlyArray<string>, detail: string) =>
  reject(
    Replies.invalidParameter(
      "media.media_ids",
      ids,
      `A post takes up to ${maxImagesPerPost} images, or 1 animated GIF, or 1 video; ${detail}.`
    )
  )

/** Why a media cannot be attached to a post by `userId`, or `undefined` when it can. */
const unusable = (
  state: EmulatorState,
  id: string,
  session: Session | undefined,
  userId: string
): string | undefined => {
  if (!/^[0-9]{1,19}$/.test(id)) return `media id ${JSON.stringify(id)} is not 1 to 19 digits`
  if (session === undefined) return `media ${id} does not exist`
  if (!canAccess(session, userId, "use")) {
    return `media ${id} belongs to user ${session.ownerId}, who did not list ${userId} in additional_owners`
  }
  if (state.store.isExpired(session)) return `media ${id} has expired`
  if (session.classification.kind === "subtitles") return `media ${id} is subtitles; attach it to a video instead`
  if (session.classification.category.startsWith("dm_")) {
    return `media ${id} was uploaded for direct messages (${session.classification.category})`
  }
  const current = state.store.stateOf(session)
  if (current !== "succeeded") return `media ${id} is ${current}, not succeeded`
  return undefined
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`

/** The media of a post, checked one by one and then as a combination. */
const checkMedia = (
  state: EmulatorState,
  userId: string,
  ids: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Session>, Replies.Rejection> =>
  Effect.gen(function*() {
    if (ids.length === 0) return yield* combinationRefused(ids, "media.media_ids is empty")
    if (ids.length > maxImagesPerPost) return yield* combinationRefused(ids, `got ${ids.length} media ids`)
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index)
    if (duplicate !== undefined) return yield* mediaRefused(ids, `media ${duplicate} is listed twice`)
    const sessions: Array<Session> = []
    for (const id of ids) {
      const session = state.store.get(id)
      const reason = unusable(state, id, session, userId)
      if (reason !== undefined || session === undefined) {
        return yield* mediaRefused(ids, reason ?? `media ${id} does not exist`)
      }
      sessions.push(session)
    }
    const count = (kind: string) => sessions.filter((s) => s.classification.kind === kind).length
    const [videos, gifs, images] = [count("video"), count("gif"), count("image")]
    if ((videos > 0 || gifs > 0) && sessions.length > 1) {
      const got = [plural(videos, "video"), plural(gifs, "GIF"), plural(images, "image")]
        .filter((part) => !part.startsWith("0 "))
        .join(", ")
      return yield* combinationRefused(ids, `got ${got}`)
    }
    return sessions
  })

/** The answer for a reply or quote of a post the emulator does not know. */
const notVisible = (what: "reply to" | "quote", id: string) =>
  reject(
    Replies.problem(403, "Forbidden", `You attempted to ${what} a Tweet that is deleted or not visible to you.`),
    `${what} ${id}: no such post on this emulator`
  )

/** Checks a post request of `user` and creates the post. */
export const create = (
  state: EmulatorState,
  user: EmulatorUser,
  body: PostBody
): Effect.Effect<RecordedPost, Replies.Rejection> =>
  Effect.gen(function*() {
    const text = body.text ?? ""
    const mediaIds = body.media?.media_ids ?? []
    const length = weightedLength(text)
    const limit = state.config.posts.maxTextLength
    if (length > limit) {
      return yield* reject(
        Replies.invalidParameter(
          "text",
          [text],
          `Text is too long: its weighted length is ${length}; the limit is ${limit}.`
        )
      )
    }
    if (text.trim() === "" && body.media === undefined) {
      return yield* reject(
        Replies.invalidParameter("text", [text], "Post text is empty: text is required unless media is attached.")
      )
    }
    const replyTo = body.reply?.in_reply_to_tweet_id
    if (replyTo !== undefined && state.posts.get(replyTo) === undefined) return yield* notVisible("reply to", replyTo)
    const quoteOf = body.quote_tweet_id
    if (quoteOf !== undefined && state.posts.get(quoteOf) === undefined) return yield* notVisible("quote", quoteOf)
    const sessions = body.media === undefined ? [] : yield* checkMedia(state, user.id, mediaIds)
    const id = newId((candidate) =>
      state.posts.get(candidate) !== undefined || state.store.get(candidate) !== undefined
    )
    const post: RecordedPost = Object.freeze({
      id,
      authorId: user.id,
      text,
      weightedLength: length,
      mediaIds,
      media: sessions.map((session) => state.recordedMedia(session)),
      taggedUserIds: body.media?.tagged_user_ids ?? [],
      replyTo,
      quoteOf,
      createdAt: state.clock.now()
    })
    state.posts.add(post)
    return post
  })
