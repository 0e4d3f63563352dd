# Throwaway certificates for the tests of TLS receivers (EC P-256 keys: cheap
# to make). Source after lib.sh.
#
#   tls_make_ca DIR                   a CA in DIR (ca.pem, ca.key)
#   tls_make_cert DIR NAME CN         NAME.pem / NAME.key signed by DIR's CA,
#                                     for CN (its subjectAltName too, with
#                                     IP:127.0.0.1)

tls_make_ca() {
        command -v openssl >/dev/null || skip "openssl is not installed"
        mkdir -p "$1"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1/ca.key" \
                -out "$1/ca.pem" -days 2 -subj "/CN=driftwatch test CA $RANDOM" 2>/dev/null ||
                fail "openssl cannot make a CA"
}

tls_make_cert() {
        local dir=$1 name=$2 cn=$3
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/$name.key" \
                -out "$dir/$name.csr" -subj "/CN=$cn" 2>/dev/null || fail "openssl cannot make a key for $cn"
        printf 'subjectAltName=DNS:%s,IP:127.0.0.1\n' "$cn" >"$dir/$name.ext"
        openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
                -out "$dir/$name.pem" -days 2 -extfile "$dir/$name.ext" 2>/dev/null || fail "openssl cannot sign $cn"
}
