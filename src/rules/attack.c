/* The ATT&CK technique -> tactic table behind threat.tactic; see attack.h.
 * From the Enterprise matrix (attack.mitre.org): a technique is listed under
 * every tactic the matrix puts it in. Add a row when rules/default.yaml names
 * a new technique (test-attack checks that each one is here). */
#include "attack.h"

#include <string.h>

static const struct attack_tactic
        initial_access = { "TA0001", "Initial Access" },
        execution = { "TA0002", "Execution" },
        persistence = { "TA0003", "Persistence" },
        privilege_escalation = { "TA0004", "Privilege Escalation" },
        defense_evasion = { "TA0005", "Defense Evasion" },
        credential_access = { "TA0006", "Credential Access" },
        discovery = { "TA0007", "Discovery" },
        lateral_movement = { "TA0008", "Lateral Movement" },
        collection = { "TA0009", "Collection" },
        command_and_control = { "TA0011", "Command and Control" },
        impact = { "TA0040", "Impact" };

/* Sorted by id. */
static const struct attack_technique techniques[] = {
        { "T1021", "Remote Services", { &lateral_movement } },
        { "T1036", "Masquerading", { &defense_evasion } },
        { "T1037", "Boot or Logon Initialization Scripts", { &persistence, &privilege_escalation } },
        { "T1053", "Scheduled Task/Job", { &execution, &persistence, &privilege_escalation } },
        { "T1055", "Process Injection", { &defense_evasion, &privilege_escalation } },
        { "T1059", "Command and Scripting Interpreter", { &execution } },
        { "T1070", "Indicator Removal", { &defense_evasion } },
        { "T1072", "Software Deployment Tools", { &execution, &lateral_movement } },
        { "T1078", "Valid Accounts", { &defense_evasion, &persistence, &privilege_escalation, &initial_access } },
        { "T1082", "System Information Discovery", { &discovery } },
        { "T1098", "Account Manipulation", { &persistence, &privilege_escalation } },
        { "T1105", "Ingress Tool Transfer", { &command_and_control } },
        { "T1110", "Brute Force", { &credential_access } },
        { "T1136", "Create Account", { &persistence } },
        { "T1195", "Supply Chain Compromise", { &initial_access } },
        { "T1490", "Inhibit System Recovery", { &impact } },
        { "T1505", "Server Software Component", { &persistence } },
        { "T1525", "Implant Internal Image", { &persistence } },
        { "T1529", "System Shutdown/Reboot", { &impact } },
        { "T1542", "Pre-OS Boot", { &defense_evasion, &persistence } },
        { "T1543", "Create or Modify System Process", { &persistence, &privilege_escalation } },
        { "T1546", "Event Triggered Execution", { &privilege_escalation, &persistence } },
        { "T1547", "Boot or Logon Autostart Execution", { &persistence, &privilege_escalation } },
        { "T1548", "Abuse Elevation Control Mechanism", { &privilege_escalation, &defense_evasion } },
        { "T1553", "Subvert Trust Controls", { &defense_evasion } },
        { "T1554", "Compromise Host Software Binary", { &persistence } },
        { "T1556", "Modify Authentication Process", { &credential_access, &defense_evasion, &persistence } },
        { "T1557", "Adversary-in-the-Middle", { &credential_access, &collection } },
        { "T1562", "Impair Defenses", { &defense_evasion } },
        { "T1564", "Hide Artifacts", { &defense_evasion } },
        { "T1565", "Data Manipulation", { &impact } },
        { "T1574", "Hijack Execution Flow", { &persistence, &privilege_escalation, &defense_evasion } },
        { "T1599", "Network Boundary Bridging", { &defense_evasion } },
        { "T1601", "Modify System Image", { &defense_evasion } },
        { "T1609", "Container Administration Command", { &execution } },
        { "T1610", "Deploy Container", { &defense_evasion, &execution } },
        { "T1611", "Escape to Host", { &privilege_escalation } },
};

const struct attack_technique *attack_technique_find(const char *id)
{
        size_t lo = 0, hi = sizeof(techniques) / sizeof(techniques[0]);
        size_t n = strcspn(id, ".");

        /* "T" and four digits, then nothing or a sub-technique. */
        if (n != 5)
                return NULL;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strncmp(techniques[mid].id, id, n);

                if (c == 0)
                        return &techniques[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}
