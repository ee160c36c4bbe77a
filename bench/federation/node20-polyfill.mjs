// Promise.withResolvers arrived in Node 22; some @graphql-hive/gateway dependencies call it. Loaded with
// `node --import` into the hive baseline process only, on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
