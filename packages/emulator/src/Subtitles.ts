/**
 * Subtitles on videos: `POST /2/media/subtitles` attaches an uploaded SRT or WebVTT file (category
 * `subtitles`) to a video under a two-letter upper-case language code, and `DELETE /2/media/subtitles`
 * removes the track of a language. The video must be usable by the caller, be a Post or Amplify video
 * matching the request's `media_category` (`TweetVideo`, `AmplifyVideo`), and have finished processing; the
 * subtitles file must be usable by the caller, finalized, and look like its type. Attaching a language again
 * replaces its track; deleting a language that has none answers `deleted: false`.
 *
 * @module
 */
import { Effect } from "effect"
import type { EmulatorState } from "./EmulatorState.ts"
import { subtitlesMismatch } from "./MediaRules.ts"
import type { EmulatorUser } from "./Options.ts"
import * as Replies from "./Replies.ts"
import type { RecordedSubtitles, Session } from "./Store.ts"
import { lookup } from "./Uploads.ts"

/** The `media_category` of a subtitles request, and the upload category of the video it names. */
export const videoCategories: Readonly<Record<string, string>> = {
  TweetVideo: "tweet_video",
  AmplifyVideo: "amplify_video"
}

const reject = Replies.reject

/** A language code: two upper-case letters (X's pattern `^[A-Z]{2}$`). */
export const isLanguageCode = (code: string): boolean => /^[A-Z]{2}$/.test(code)

const checkLanguage = (parameter: string, code: string | undefined): Effect.Effect<string, Replies.Rejection> => {
  if (code === undefined) return reject(Replies.missingParam("v2", parameter))
  return isLanguageCode(code)
    ? Effect.succeed(code)
    : reject(
      Replies.invalidParameter(
        parameter,
        [code],
        `The language code must be two upper-case letters (ISO 639-1, for example EN); got ${JSON.stringify(code)}.`
      )
    )
}

/** The video a request names: usable by the user, a video of the named category. */
const video = (
  state: EmulatorState,
  user: EmulatorUser,
  id: string | undefined,
  mediaCategory: string | undefined
): Effect.Effect<Session, Replies.Rejection> =>
  Effect.gen(function*() {
    if (id === undefined) return yield* reject(Replies.missingParam("v2", "id"))
    if (mediaCategory === undefined) return yield* reject(Replies.missingParam("v2", "media_category"))
    const expected = videoCategories[mediaCategory]
    if (expected === undefined) {
      return yield* reject(
        Replies.invalidParameter(
          "media_category",
          [mediaCategory],
          `media_category must be one of ${Object.keys(videoCategories).join(", ")}; got ${mediaCategory}.`
        )
      )
    }
    const session = yield* lookup(state, "v2", id, user.id, "use", "id")
    const { kind, category } = session.classification
    if (kind !== "video") {
      return yield* reject(
        Replies.invalidParameter("id", [id], `Media ${id} is ${kind}, not a video: subtitles attach to videos only.`)
      )
    }
    if (category !== expected) {
      return yield* reject(
        Replies.invalidParameter(
          "media_category",
          [mediaCategory],
          `Media ${id} was uploaded as ${category}, which media_category ${mediaCategory} does not name.`
        )
      )
    }
    return session
  })

/** What `POST /2/media/subtitles` carries once decoded. */
export interface AttachRequest {
  readonly id?: string | undefined
  readonly media_category?: string | undefined
  readonly subtitles?: {
    readonly id?: string | undefined
    readonly language_code?: string | undefined
    readonly display_name?: string | undefined
  } | undefined
}

/** Attaches subtitles to a video (replacing the track of the same language); returns the video. */
export const attach = (
  state: EmulatorState,
  user: EmulatorUser,
  request: AttachRequest
): Effect.Effect<Session, Replies.Rejection> =>
  Effect.gen(function*() {
    const target = yield* video(state, user, request.id, request.media_category)
    const ready = state.store.stateOf(target)
    if (ready !== "succeeded") {
      return yield* reject(
        Replies.invalidParameter(
          "id",
          [target.id],
          `Media ${target.id} is ${ready}: attach subtitles once its processing has succeeded.`
        )
      )
    }
    const subtitles = request.subtitles
    if (subtitles === undefined) return yield* reject(Replies.missingParam("v2", "subtitles"))
    const languageCode = yield* checkLanguage("subtitles.language_code", subtitles.language_code)
    if (subtitles.display_name === undefined) return yield* reject(Replies.missingParam("v2", "subtitles.display_name"))
    const file = yield* lookup(state, "v2", subtitles.id, user.id, "use", "subtitles.id")
    if (file.classification.kind !== "subtitles") {
      return yield* reject(
        Replies.invalidParameter(
          "subtitles.id",
          [file.id],
          `Media ${file.id} is ${file.classification.kind}, not subtitles: upload the SRT or WebVTT file with media_category subtitles.`
        )
      )
    }
    const fileState = state.store.stateOf(file)
    if (fileState !== "succeeded") {
      return yield* reject(
        Replies.invalidParameter(
          "subtitles.id",
          [file.id],
          `Subtitles media ${file.id} is ${fileState}, not ready: finalize its upload first.`
        )
      )
    }
    const mismatch = subtitlesMismatch(file.mediaType, file.head ?? new Uint8Array())
    if (mismatch !== undefined) {
      return yield* reject(
        Replies.invalidParameter("subtitles.id", [file.id], `Subtitles media ${file.id} is ${mismatch}.`)
      )
    }
    const track: RecordedSubtitles = Object.freeze({
      id: file.id,
      languageCode,
      displayName: subtitles.display_name
    })
    target.subtitles.set(languageCode, track)
    return target
  })

/** What `DELETE /2/media/subtitles` carries once decoded. */
export interface DeleteRequest {
  readonly id?: string | undefined
  readonly media_category?: string | undefined
  readonly language_code?: string | undefined
}

/** Removes the subtitles of a language from a video; true when there were some. */
export const remove = (
  state: EmulatorState,
  user: EmulatorUser,
  request: DeleteRequest
): Effect.Effect<boolean, Replies.Rejection> =>
  Effect.gen(function*() {
    const target = yield* video(state, user, request.id, request.media_category)
    const languageCode = yield* checkLanguage("language_code", request.language_code)
    return target.subtitles.delete(languageCode)
  })

/** The `associated_subtitles` of a video, in X's wire form. */
export const associated = (session: Session): ReadonlyArray<Record<string, string>> =>
  [...session.subtitles.values()].map((track) => ({
    id: track.id,
    language_code: track.languageCode,
    display_name: track.displayName
  }))
