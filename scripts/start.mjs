// Placeholder until the local stack lands: the issue "Run it: one-command local stack" replaces this file.
console.log('npm start: the one-command local stack is not built yet. Run `npm test` to see the project work.');
