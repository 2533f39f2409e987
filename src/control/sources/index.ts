// sources: inputs → model. The embedded store, and a feed that follows it.
export * from './store/index.ts';
export { followStore, type FeedUpdate, type ResourceFeed } from './resource-feed.ts';
