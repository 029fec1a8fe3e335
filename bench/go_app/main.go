// The comparison app for bench/app_vs_go.sh: the sample app's /bar in Go, with net/http
// and rethinkdb-go (both from Debian's packages), the way the seed's app was written,
// minus its exit on the first database error. Same environment as the C++ app:
// PORT, RETHINKDB_HOSTS (first host used), RETHINKDB_PASSWORD or RETHINKDB_PASSWORD_FILE
// (the secret rsm mounts in apps). `rsm build` makes it one static binary in a FROM
// scratch image (with --package golang-gopkg-rethinkdb-rethinkdb-go.v6-dev).
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	r "gopkg.in/rethinkdb/rethinkdb-go.v6"
)

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

// The admin password: RETHINKDB_PASSWORD, else the file RETHINKDB_PASSWORD_FILE names.
func password() string {
	if value := os.Getenv("RETHINKDB_PASSWORD"); value != "" {
		return value
	}
	if file := os.Getenv("RETHINKDB_PASSWORD_FILE"); file != "" {
		content, err := os.ReadFile(file)
		if err != nil {
			log.Fatalln(err)
		}
		return strings.TrimSpace(string(content))
	}
	return ""
}

func main() {
	session, err := r.Connect(r.ConnectOpts{
		Address:    strings.Split(env("RETHINKDB_HOSTS", "db:28015"), ",")[0],
		Password:   password(),
		InitialCap: 8,
		MaxOpen:    64,
	})
	if err != nil {
		log.Fatalln(err)
	}
	http.HandleFunc("/bar", func(w http.ResponseWriter, req *http.Request) {
		var hello string
		if err := r.Expr("Hello from Rethink").ReadOne(&hello, session); err != nil {
			http.Error(w, "database unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "Hello, %q 0.1\n%s\n", req.URL.Path, hello)
	})
	// rsm's edge proxy sends requests only to tasks that answer /healthz.
	http.HandleFunc("/healthz", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	log.Fatal(http.ListenAndServe(":"+env("PORT", "9090"), nil))
}
