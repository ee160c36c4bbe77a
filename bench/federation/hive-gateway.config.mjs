// @graphql-hive/gateway configuration for the baseline rows: inbound request deduplication on (the published
// benchmark's configuration) unless HIVE_DEDUP=0.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: process.env.HIVE_DEDUP !== '0',
});
