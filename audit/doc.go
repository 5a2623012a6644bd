// Package audit decides every image of a stream with the verify engine and
// says, for each one CRI-O would refuse, why (a Cause from a documented
// enumeration) and what to run or change to fix it (a remedy).
//
// Rules:
//   - The verdict is the Decider's (a *verify.Engine): audit never decides
//     anything itself, it classifies a verify.Decision.
//   - References stream through: memory holds the images in flight, one
//     16-byte hash per distinct reference of the shard (duplicates are
//     decided once) and, with a resume file, one per decided image in it —
//     never the results.
//   - Results are emitted as soon as decided, in completion order.
//   - A shard I/N takes the references whose FNV-1a 64-bit hash, modulo N,
//     is I: deterministic and independent of input order, so N processes
//     given the same input split it without overlap or gap. Every run ends
//     with a Summary that merge uses to prove it.
//   - Text a registry or an input controls is sanitised before it reaches
//     the text, JUnit and HTML outputs; JSON escapes it.
package audit
