// Package manifest reads Kubernetes manifest files: paths, directories,
// stdin, multi-document YAML/JSON and List items, with each document's
// source.
//
// Rules:
//   - A path is a file (read whatever its name), a directory (walked
//     recursively in lexical order; only *.yaml, *.yml and *.json files, any
//     letter case, are read; a symbolic link inside it is opened as a file,
//     never walked into) or "-" for standard input ([Files]). In a
//     directory, what is not a regular file once links are followed (a
//     named pipe, a socket, a device, a directory) is skipped, never opened
//     for reading, and reported in [File.Skipped]; a path named explicitly
//     is read whatever it is (a pipe from process substitution included).
//   - One input is read up to [MaxBytes]; a larger one is a [TooLargeError].
//     Read errors name the input: its path, or "standard input".
//   - Errors do not stop the walk: every unreadable input is reported, in
//     input order, interleaved with the files that could be read.
//   - A file holds YAML documents separated by "---" lines; JSON is one
//     document ([Documents]). Documents are numbered from 1 in file order,
//     blank ones included: which documents count as empty is the caller's
//     rule. A malformed separator ends the file with an error.
//   - A List is any kind ending in "List" ([IsList]); its items are objects
//     of their own, numbered from 0 in [Source.Item]. Lists do not nest: a
//     List inside a List is an ordinary object.
//
// The package stops at raw documents: converting them to JSON (strict or
// lenient about duplicate keys) and decoding objects is the caller's job.
package manifest
