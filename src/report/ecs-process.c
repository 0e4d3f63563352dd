/* The process behind an ECS document; see ecs-process.h. */
#include "ecs-process.h"

static void json_bytes(struct json *j, const char *key, struct audit_str s)
{
        if (s.s)
                json_string_n(j, key, s.s, s.len);
}

static void json_args(struct json *j, const struct ecs_process *p)
{
        size_t i;

        json_array_begin(j, "args");
        for (i = 0; i < p->n_args; i++) {
                if (p->args)
                        json_string_n(j, NULL, p->args[i].s ? p->args[i].s : "", p->args[i].s ? p->args[i].len : 0);
                else
                        json_string(j, NULL, p->args_cstr[i] ? p->args_cstr[i] : "");
        }
        json_array_end(j);
}

void ecs_json_process(struct json *j, const struct ecs_process *p)
{
        json_object_begin(j, "process");
        if (p->pid >= 0)
                json_int(j, "pid", p->pid);
        json_bytes(j, "name", p->name);
        json_bytes(j, "executable", p->executable);
        if (p->n_args)
                json_args(j, p);
        json_bytes(j, "title", p->title);
        if (p->ppid >= 0 || p->parent_executable.s) {
                json_object_begin(j, "parent");
                if (p->ppid >= 0)
                        json_int(j, "pid", p->ppid);
                json_bytes(j, "name", p->parent_name);
                json_bytes(j, "executable", p->parent_executable);
                json_object_end(j);
        }
        json_object_end(j);

        if (!audit_id_set(p->uid) && !audit_id_set(p->auid) && !p->auid_name.s)
                return;
        json_object_begin(j, "user");
        json_id(j, "id", p->uid);
        if (audit_id_set(p->euid) && p->euid != p->uid) {
                json_object_begin(j, "effective");
                json_id(j, "id", p->euid);
                json_object_end(j);
        }
        if (audit_id_set(p->auid) || p->auid_name.s) {
                json_object_begin(j, "audit");
                json_id(j, "id", p->auid);
                json_bytes(j, "name", p->auid_name);
                json_object_end(j);
        }
        json_object_end(j);
}
