module.exports = require('./base.cjs')('red');
