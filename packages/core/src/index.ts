/**
 * @x-media/core: X (Twitter) media upload as Effect programs.
 *
 * Start with `Upload.upload(MediaSource.fromFile(path))` on `MediaClient.layer`, built on an
 * `XClient` layer (the private, authenticated client to X) over an `HttpClient` transport, or use
 * `MediaClient` for the single protocol steps.
 *
 * @since 0.2.0
 */
export * as Auth from "./Auth.ts"
export * as Credentials from "./Credentials.ts"
export * as Dialect from "./Dialect.ts"
export * as Errors from "./Errors.ts"
export * as MediaCategory from "./MediaCategory.ts"
export * as MediaClient from "./MediaClient.ts"
export * as MediaId from "./MediaId.ts"
export * as MediaMetadata from "./MediaMetadata.ts"
export * as MediaSource from "./MediaSource.ts"
export * as MediaStatus from "./MediaStatus.ts"
export * as MediaType from "./MediaType.ts"
export * as OAuth1 from "./OAuth1.ts"
export * as OneShot from "./OneShot.ts"
export * as Polling from "./Polling.ts"
export * as Post from "./Post.ts"
export * as PostText from "./PostText.ts"
export * as Progress from "./Progress.ts"
export * as RateBudget from "./RateBudget.ts"
export * as RateLimit from "./RateLimit.ts"
export * as SegmentPlan from "./SegmentPlan.ts"
export * as Subtitles from "./Subtitles.ts"
export * as Upload from "./Upload.ts"
export * as UploadSession from "./UploadSession.ts"
export * as XClient from "./XClient.ts"
export * as XMediaConfig from "./XMediaConfig.ts"
