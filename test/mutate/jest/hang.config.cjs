module.exports = require('./base.cjs')('hang');
