module.exports = require('./base.cjs')('weak');
