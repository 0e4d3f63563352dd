/* The https:// output's protocol halves that need no network, for the unit
 * tests: reading an Elasticsearch / OpenSearch _bulk response and a Splunk
 * HEC response. The output itself is agent_output_https (output-http.c). */
#pragma once

#include <stddef.h>

/* What became of one event of a request. */
enum http_item {
        HTTP_ITEM_ACKED,        /* stored (201, 200) or already there (409) */
        HTTP_ITEM_RETRY,        /* 429 or 5xx: send it again */
        HTTP_ITEM_REFUSED,      /* another 4xx: it will never be taken; dropped and counted */
};

/* Reads a _bulk response to a request of n "create" actions:
 * {"took":..,"errors":..,"items":[{"create":{"status":201,..}},..]}, the
 * items in the request's order. Fills ret[0..n) and, when an item was
 * refused, *ret_refusal with the first refusal's "status type: reason".
 * -EBADMSG (and ret untouched) when the body is no such response or holds
 * another number of items. */
int http_bulk_response(const char *body, size_t len, size_t n, enum http_item *ret, char **ret_refusal);

/* Reads a HEC response: {"text":"Success","code":0[,"ackId":N]} or an error
 * such as {"text":"Invalid data format","code":6,"invalid-event-number":3}.
 * *ret_code is the HEC code, *ret_ack_id the ackId or -1, *ret_invalid the
 * invalid event's number or -1; *ret_text (may be NULL) its text.
 * -EBADMSG on a body that is none. */
int http_hec_response(const char *body, size_t len, int *ret_code, long long *ret_ack_id, long long *ret_invalid,
                      char **ret_text);

/* Reads a HEC acknowledgement poll's answer {"acks":{"7":true}}: 1 when
 * ack_id is acknowledged, 0 when not (yet), -EBADMSG. */
int http_hec_ack_response(const char *body, size_t len, long long ack_id);
