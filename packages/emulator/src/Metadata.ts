/**
 * Media metadata (`POST /2/media/metadata`, and alt text through v1.1 `metadata/create.json`): alt text
 * (at most 1000 characters, images and GIFs only), `sensitive_media_warning` (`adult_content`,
 * `graphic_violence`, `other`) and `found_media_origin` (`provider` at most 8 characters, `id` at most 24, as
 * X's schema describes them). A request is checked whole before anything is stored.
 *
 * @module
 */
import { Effect } from "effect"
import type { Dialect } from "./Options.ts"
import * as Replies from "./Replies.ts"
import type { FoundMediaOrigin, SensitiveMediaWarning, Session } from "./Store.ts"

/** The largest alt text X accepts, in characters (code points). */
export const maxAltTextLength = 1000

/** The longest `found_media_origin.provider` and `.id` X's schema describes. */
export const maxOriginProviderLength = 8
export const maxOriginIdLength = 24

/** What one metadata request sets; absent parts are left as they are. */
export interface MetadataUpdate {
  readonly altText?: string | undefined
  readonly sensitiveMediaWarning?: {
    readonly adult_content?: boolean | undefined
    readonly graphic_violence?: boolean | undefined
    readonly other?: boolean | undefined
  } | undefined
  readonly foundMediaOrigin?: FoundMediaOrigin | undefined
}

const reject = Replies.reject

const check = (dialect: Dialect, session: Session, update: MetadataUpdate): Effect.Effect<void, Replies.Rejection> => {
  const kind = session.classification.kind
  if (update.altText !== undefined) {
    if ([...update.altText].length > maxAltTextLength) {
      return reject(Replies.badParam(dialect, `Alt text must be at most ${maxAltTextLength} characters.`))
    }
    if (kind !== "image" && kind !== "gif") {
      return reject(
        Replies.badParam(dialect, `Alt text can be set on images and GIFs only; media ${session.id} is ${kind}.`)
      )
    }
  }
  const origin = update.foundMediaOrigin
  if (origin !== undefined) {
    if (origin.provider === "" || [...origin.provider].length > maxOriginProviderLength) {
      return reject(
        Replies.badParam(dialect, `found_media_origin.provider must be 1 to ${maxOriginProviderLength} characters.`)
      )
    }
    if (origin.id === "" || [...origin.id].length > maxOriginIdLength) {
      return reject(Replies.badParam(dialect, `found_media_origin.id must be 1 to ${maxOriginIdLength} characters.`))
    }
  }
  return Effect.void
}

/** Checks the whole update, then stores it on the media. */
export const apply = (
  dialect: Dialect,
  session: Session,
  update: MetadataUpdate
): Effect.Effect<void, Replies.Rejection> =>
  Effect.andThen(
    check(dialect, session, update),
    Effect.sync(() => {
      if (update.altText !== undefined) session.altText = update.altText
      const warning = update.sensitiveMediaWarning
      if (warning !== undefined) {
        session.sensitiveMediaWarning = {
          adultContent: warning.adult_content ?? false,
          graphicViolence: warning.graphic_violence ?? false,
          other: warning.other ?? false
        } satisfies SensitiveMediaWarning
      }
      if (update.foundMediaOrigin !== undefined) {
        session.foundMediaOrigin = { provider: update.foundMediaOrigin.provider, id: update.foundMediaOrigin.id }
      }
    })
  )

/** The metadata now associated with the media, in X's wire form (`associated_metadata`). */
export const associated = (session: Session): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  if (session.altText !== undefined) out.alt_text = { text: session.altText }
  const warning = session.sensitiveMediaWarning
  if (warning !== undefined) {
    out.sensitive_media_warning = {
      adult_content: warning.adultContent,
      graphic_violence: warning.graphicViolence,
      other: warning.other
    }
  }
  if (session.foundMediaOrigin !== undefined) out.found_media_origin = { ...session.foundMediaOrigin }
  return out
}
