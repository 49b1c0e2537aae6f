// Package server assembles Freshet: the coordinator over the data
// directory, the Postgres wire protocol listener and the HTTP listener.
// Only cmd/freshet imports it.
package server
