// Reads a JSON array of strings on stdin, prints a JSON array of their gpt-3-encoder ids.
const { encode } = require('gpt-3-encoder');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  process.stdout.write(JSON.stringify(texts.map(encode)));
});
