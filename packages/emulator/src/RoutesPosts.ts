/**
 * `POST /2/tweets`: creating a post with X's body (`{"text":…,"media":{"media_ids":[…]},"reply":{…},
 * "quote_tweet_id":…}`), JSON only, needing the OAuth 2.0 scope `tweet.write` (or OAuth 1.0a). Answers
 * 201 `{"data":{"id":"…","text":"…","edit_history_tweet_ids":["…"]}}`; the rules are in `Posts`.
 *
 * @module
 */
import { Effect } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type { EmulatorState } from "./EmulatorState.ts"
import { endpoint, type EndpointSpec, jsonRequest } from "./Endpoint.ts"
import * as Posts from "./Posts.ts"
import * as Replies from "./Replies.ts"
import { PostBody } from "./WireSchemas.ts"

const create: EndpointSpec = {
  dialect: "v2",
  scope: "tweet.write",
  target: () => ({ step: "POST", mediaId: undefined, segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      const body = yield* jsonRequest(context, PostBody, true)
      const post = yield* Posts.create(context.state, context.user, body)
      return Replies.json(201, { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } })
    })
}

/** The post routes. */
export const postRoutes = (state: EmulatorState) => [HttpRouter.route("POST", "/2/tweets", endpoint(state, create))]
