'use strict';
// require('iamport-sandbox'): the library entry (startSandbox, TEST_CARDS, …), compiled on first use. Types: src/index.ts.
module.exports = require(require('./compiled').compiled('index'));
