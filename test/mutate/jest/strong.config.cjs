module.exports = require('./base.cjs')('strong');
