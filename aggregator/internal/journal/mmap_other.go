//go:build !linux

package journal

// mmapFlags: no read-ahead flag outside Linux; pages fault in as read.
const mmapFlags = 0
