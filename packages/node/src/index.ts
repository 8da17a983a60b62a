/**
 * @x-media/node: the Node layers for `@x-media/core` (node:http HTTP, Node file system, credentials and
 * settings from the environment) and the `x-media` command-line tool.
 *
 * @module
 */
export * as NodeXMedia from "./NodeXMedia.ts"
