#!/usr/bin/env node
// Validate JSON documents against a JSON Schema with ajv (installed by
// ci/json-validator.sh into the folder given as GK_NPM_DIR).  The schema's
// "$schema" picks the draft: draft-04 (SARIF 2.1.0) or draft-07 (GitLab
// Code Quality).  Usage: validate-json.js SCHEMA DOC...  Prints each
// document's errors; exits 1 when any document is invalid.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.env.GK_NPM_DIR;
if (!dir) {
	console.error('GK_NPM_DIR is not set (ci/json-validator.sh prints the folder)');
	process.exit(2);
}
const need = (name) => require(path.join(path.resolve(dir), 'node_modules', name));
const [schemaPath, ...docs] = process.argv.slice(2);
if (!schemaPath || docs.length === 0) {
	console.error('usage: validate-json.js SCHEMA DOC...');
	process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const draft04 = /draft-04/.test(schema.$schema || '');
const Ajv = draft04 ? need('ajv-draft-04') : need('ajv').default;
const ajv = new Ajv({allErrors: true, strict: false});
need('ajv-formats').default(ajv);
const validate = ajv.compile(schema);
let bad = 0;
for (const doc of docs) {
	const text = fs.readFileSync(doc);
	if (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) {
		console.log(`${doc}: starts with a byte-order mark`);
		bad++;
		continue;
	}
	let data;
	try {
		data = JSON.parse(text.toString('utf8'));
	} catch (e) {
		console.log(`${doc}: not JSON: ${e.message}`);
		bad++;
		continue;
	}
	if (!validate(data)) {
		bad++;
		console.log(`${doc}: not valid against ${path.basename(schemaPath)}:`);
		for (const e of validate.errors.slice(0, 20))
			console.log(`  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
	}
}
process.exit(bad ? 1 : 0);
