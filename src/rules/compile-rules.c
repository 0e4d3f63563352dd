/* Build-time tool: compiles rules/default.yaml into C source holding the
 * document libyaml would load from it (nodes, sequence items, mapping pairs,
 * scalars and their line marks), so that the binary starts with the built-in
 * rules already parsed. Every command loads them, and libyaml's parse of the
 * 1,600-line file (two passes, some 26,000 allocations) was most of a small
 * run's start-up. The rules loader walks this document with the same code as
 * a user's rules file; tests/unit/test-rules.c checks it node for node
 * against libyaml's own load of the embedded text.
 *
 *   compile-rules IN.yaml OUT.c NAME
 * writes OUT.c defining `yaml_document_t NAME`. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* A C string literal of s (len bytes): printable ASCII as is, the rest as
 * octal escapes, which cannot run into a following digit as hex ones can. */
static void put_literal(FILE *f, const unsigned char *s, size_t len)
{
        size_t i;

        fputc('"', f);
        for (i = 0; i < len; i++) {
                unsigned char c = s[i];

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c >= 0x20 && c < 0x7f && c != '?')     /* '?' would start trigraphs */
                        fputc(c, f);
                else
                        fprintf(f, "\\%03o", c);
        }
        fputc('"', f);
}

static void put_mark(FILE *f, const char *field, yaml_mark_t m)
{
        fprintf(f, " .%s = { %zu, %zu, %zu },", field, m.index, m.line, m.column);
}

static int emit(FILE *f, yaml_document_t *doc, const char *name)
{
        yaml_node_t *n;
        size_t i = 0;

        fprintf(f, "/* Generated from rules/default.yaml by compile-rules; do not edit. */\n"
                   "#include <yaml.h>\n\n");
        /* The collections' members first: each node's items or pairs as an array. */
        for (n = doc->nodes.start; n < doc->nodes.top; n++, i++) {
                if (n->type == YAML_SEQUENCE_NODE) {
                        yaml_node_item_t *it;

                        fprintf(f, "static yaml_node_item_t items_%zu[] = {", i);
                        for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
                                fprintf(f, " %d,", *it);
                        fprintf(f, " 0 };\n");
                } else if (n->type == YAML_MAPPING_NODE) {
                        yaml_node_pair_t *p;

                        fprintf(f, "static yaml_node_pair_t pairs_%zu[] = {", i);
                        for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
                                fprintf(f, " { %d, %d },", p->key, p->value);
                        fprintf(f, " { 0, 0 } };\n");
                }
        }
        fprintf(f, "\nstatic yaml_node_t nodes[] = {\n");
        i = 0;
        for (n = doc->nodes.start; n < doc->nodes.top; n++, i++) {
                size_t count;

                fprintf(f, "{ .type = %d, .tag = (yaml_char_t *) ", n->type);
                put_literal(f, n->tag, strlen((const char *) n->tag));
                fprintf(f, ",");
                switch (n->type) {
                case YAML_SCALAR_NODE:
                        fprintf(f, " .data.scalar = { (yaml_char_t *) ");
                        put_literal(f, n->data.scalar.value, n->data.scalar.length);
                        fprintf(f, ", %zu, %d },", n->data.scalar.length, n->data.scalar.style);
                        break;
                case YAML_SEQUENCE_NODE:
                        count = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
                        fprintf(f, " .data.sequence = { { items_%zu, items_%zu + %zu, items_%zu + %zu }, %d },",
                                i, i, count + 1, i, count, n->data.sequence.style);
                        break;
                case YAML_MAPPING_NODE:
                        count = (size_t) (n->data.mapping.pairs.top - n->data.mapping.pairs.start);
                        fprintf(f, " .data.mapping = { { pairs_%zu, pairs_%zu + %zu, pairs_%zu + %zu }, %d },",
                                i, i, count + 1, i, count, n->data.mapping.style);
                        break;
                default:
                        fprintf(stderr, "compile-rules: node %zu has no type\n", i + 1);
                        return -EINVAL;
                }
                put_mark(f, "start_mark", n->start_mark);
                put_mark(f, "end_mark", n->end_mark);
                fprintf(f, " },\n");
        }
        fprintf(f, "};\n\n"
                   "yaml_document_t %s = {\n"
                   "        .nodes = { nodes, nodes + %zu, nodes + %zu },\n"
                   "        .start_implicit = %d, .end_implicit = %d,\n",
                name, i, i, doc->start_implicit, doc->end_implicit);
        put_mark(f, "start_mark", doc->start_mark);
        put_mark(f, "end_mark", doc->end_mark);
        fprintf(f, "\n};\n");
        return 0;
}

int main(int argc, char **argv)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        char *tmp = NULL;
        FILE *in, *out;
        int r;

        if (argc != 4) {
                fprintf(stderr, "usage: compile-rules IN.yaml OUT.c NAME\n");
                return 2;
        }
        in = fopen(argv[1], "re");
        if (!in) {
                fprintf(stderr, "compile-rules: cannot open '%s': %s\n", argv[1], strerror(errno));
                return 1;
        }
        if (!yaml_parser_initialize(&parser)) {
                fclose(in);
                return 1;
        }
        yaml_parser_set_input_file(&parser, in);
        if (!yaml_parser_load(&parser, &doc)) {
                fprintf(stderr, "compile-rules: '%s' line %zu: %s\n", argv[1], parser.problem_mark.line + 1,
                        parser.problem ? parser.problem : "malformed YAML");
                yaml_parser_delete(&parser);
                fclose(in);
                return 1;
        }
        yaml_parser_delete(&parser);
        fclose(in);

        /* Written beside OUT and renamed: an interrupted build leaves no half file. */
        if (asprintf(&tmp, "%s.tmp", argv[2]) < 0) {
                yaml_document_delete(&doc);
                return 1;
        }
        out = fopen(tmp, "we");
        r = out ? emit(out, &doc, argv[3]) : -errno;
        if (out && ferror(out) && r >= 0)
                r = -EIO;
        if (out && fclose(out) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, argv[2]) < 0)
                r = -errno;
        if (r < 0) {
                fprintf(stderr, "compile-rules: cannot write '%s': %s\n", argv[2], strerror(-r));
                unlink(tmp);
        }
        free(tmp);
        yaml_document_delete(&doc);
        return r < 0 ? 1 : 0;
}
