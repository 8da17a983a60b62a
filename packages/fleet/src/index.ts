/**
 * @x-media/fleet: many workers on many machines upload for many X users. They share each user's
 * rate budget through Redis and run every upload as a durable workflow on effect's cluster engine,
 * with its state in PostgreSQL, so another worker finishes what a dead one started.
 *
 * @since 0.2.0
 */
export * as Fleet from "./Fleet.ts"
export * as FleetCredentials from "./FleetCredentials.ts"
export * as FleetStore from "./FleetStore.ts"
export * as RedisRateBudget from "./RedisRateBudget.ts"
export * as UploadWorkflow from "./UploadWorkflow.ts"
