/** `npm run demo`: placeholder until the contracts scenario lands. */
console.log("demo: not yet implemented");
