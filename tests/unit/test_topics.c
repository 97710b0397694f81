/* Unit tests of the bundled topic rules: per topic of the codebook (corpus
 * GUIDE.md, Topics), sentences written from its definition that must get the
 * topic, and sentences that must not (often with a word that misleads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_classify.h"
#include "harness.h"

static bp_classifier *bc;
static bp_rules *rules;

/* Whether the bundled rules give text the topic id. */
static int has(const char *text, const char *id)
{
	bp_tags tg;
	bp_error err;

	if (bp_classifier_run(bc, text, strlen(text), 0, &tg, &err) != BP_OK)
		return -1;
	for (size_t i = 0; i < tg.ntopics; i++)
		if (strcmp(tg.topics[i].id, id) == 0)
			return 1;
	return 0;
}

#define YES(text, id) CHECK_INT(has(text, id), 1)
#define NO(text, id) CHECK_INT(has(text, id), 0)

TEST(armed_conflict)
{
	YES("Heavy fighting and artillery shelling continued along the front line overnight, "
	    "and both sides reported casualties.", "armed-conflict");
	YES("The parties agreed to a ceasefire to end the hostilities.", "armed-conflict");
	NO("The trade war between the two economies has hurt exporters.", "armed-conflict");
	YES("Rocket fire and artillery hit the city as the ground offensive continued; the "
	    "government called for a cessation of hostilities.", "armed-conflict");
	NO("The war on drugs is a matter for the police.", "armed-conflict");
	NO("We will keep fighting the pandemic and fighting inflation; the battle against the "
	   "virus goes on.", "armed-conflict");
	NO("Both parties hope to strike a deal on the budget this week.", "armed-conflict");
	YES("Both sides agreed to a humanitarian pause in the fighting and to exchange "
	    "prisoners of war.", "armed-conflict");
}

TEST(terrorism)
{
	YES("The bombing was claimed by a terrorist group linked to ISIS.", "terrorism");
	YES("Counter-terrorism cooperation against extremist networks was discussed.", "terrorism");
	NO("Hackers carried out a cyberattack on the ministry's servers.", "terrorism");
	YES("An improvised explosive device killed three soldiers; the group behind it is a "
	    "designated foreign terrorist organization.", "terrorism");
	YES("The leader of al-Qaida was located by counterterrorism officials; AQIM also "
	    "lost a commander.", "terrorism");
}

TEST(military_security)
{
	YES("The alliance will deploy additional troops and warships for joint military "
	    "exercises.", "military-security");
	YES("Arms deliveries and military-technical cooperation were on the agenda of the "
	    "defence ministers.", "military-security");
	NO("The central bank cut interest rates to support exporters.", "military-security");
	YES("The Pentagon announced a new drawdown of weapons systems, including air defense "
	    "interceptors and artillery rounds, under its security assistance.", "military-security");
	YES("The army will resupply its units with long-range missiles from new weapons "
	    "shipments.", "military-security");
}

TEST(arms_control)
{
	YES("The treaty limits nuclear warheads and deployed ballistic missiles.", "arms-control");
	YES("Inspectors from the OPCW are investigating the use of chemical weapons.",
	    "arms-control");
	NO("The nuclear power plant will supply electricity to the region.", "arms-control");
	YES("The regime is enriching uranium to near weapons-grade levels and installing new "
	    "centrifuges.", "arms-control");
}

TEST(diplomacy)
{
	YES("The foreign ministers held talks in Geneva and agreed to continue consultations.",
	    "diplomacy");
	YES("The new ambassador presented his credentials during an official visit.",
	    "diplomacy");
	NO("The football team won the championship final.", "diplomacy");
	YES("The two leaders held talks on the sidelines of the summit, and the Secretary of "
	    "State will travel to the region next week.", "diplomacy");
	YES("The President's first foreign trip will take him to Europe to rebuild our "
	    "alliances.", "diplomacy");
}

TEST(multilateral)
{
	YES("The UN Security Council adopted a resolution on the crisis.", "multilateral");
	YES("The BRICS and G20 summits will discuss the reform of international "
	    "organisations.", "multilateral");
	NO("The two neighbours signed a bilateral agreement on fisheries.", "multilateral");
	YES("At the G-7 and the UN General Assembly, member states will discuss the "
	    "Secretary General's report.", "multilateral");
	YES("The World Health Organization and the World Food Programme appealed to member "
	    "countries for funds.", "multilateral");
}

TEST(sanctions)
{
	YES("The government imposed new sanctions, including asset freezes and export controls "
	    "on technology firms.", "sanctions");
	YES("Washington added the companies to its entity list and expelled ten diplomats.",
	    "sanctions");
	NO("The ministers discussed trade and investment in the energy sector.", "sanctions");
	YES("Treasury designated five oligarchs, imposed visa bans and cut the banks off from "
	    "SWIFT.", "sanctions");
	NO("This call is under embargo until six o'clock tomorrow morning.", "sanctions");
	YES("Treasury issued general licenses for food and medicine while export restrictions "
	    "on chips stay.", "sanctions");
	/* retaliatory measures are; a military retaliation is not */
	YES("Moscow announced retaliatory measures against the banks.", "sanctions");
	NO("The strikes were in retaliation against the Houthis for their attacks on shipping.",
	   "sanctions");
}

TEST(cyber)
{
	YES("Hackers used ransomware to encrypt the hospital's computers.", "cyber");
	YES("The intrusion was a supply-chain attack through compromised software updates.",
	    "cyber");
	NO("The farmers harvested wheat despite the drought.", "cyber");
	YES("State-sponsored threat actors exfiltrated data after a breach of the agency's "
	    "networks.", "cyber");
}

TEST(media)
{
	YES("Journalists from several newspapers and television channels were denied "
	    "accreditation.", "media");
	YES("The campaign of disinformation and propaganda targeted foreign audiences.", "media");
	NO("The athletes trained for the Olympic Games.", "media");
	YES("The op-ed repeated false narratives spread by state media and influence "
	    "operations.", "media");
	YES("Troll farms and deepfakes flooded the information environment.", "media");
	NO("The factory installed new robots on the assembly line.", "media");
}

TEST(human_rights)
{
	YES("Activists reported torture of political prisoners and persecution of dissidents.",
	    "human-rights");
	YES("The report documents violations of the rights of national minorities.",
	    "human-rights");
	NO("The central bank raised interest rates.", "human-rights");
	YES("Prisoners of conscience face extrajudicial killings and enforced disappearances.",
	    "human-rights");
	YES("The jailed opposition leader began a hunger strike against his treatment.", "human-rights");
}

TEST(humanitarian)
{
	YES("Aid convoys delivered food and medicine to civilians through humanitarian "
	    "corridors.", "humanitarian");
	YES("Refugees and internally displaced persons still need shelter.", "humanitarian");
	NO("The delegation discussed the new gas pipeline.", "humanitarian");
	YES("Humanitarian aid trucks are stuck at the crossing while malnutrition spreads and "
	    "civilian deaths mount.", "humanitarian");
}

TEST(migration)
{
	YES("Thousands of migrants tried to cross the border, and many applied for asylum.",
	    "migration");
	YES("The deportation of illegal immigrants was suspended.", "migration");
	NO("The orchestra performed a concert of works by Tchaikovsky.", "migration");
	YES("Border Patrol apprehensions at the southern border rose, and more asylum seekers "
	    "were released with Temporary Protected Status.", "migration");
}

TEST(consular)
{
	YES("The consulate is helping citizens stranded abroad and issuing visas for their "
	    "return.", "consular");
	YES("Two nationals were kidnapped, and the consul is seeking their release.", "consular");
	NO("The orchestra performed a concert of works by Tchaikovsky.", "consular");
	YES("We are in touch with U.S. citizens who want to leave the country and will "
	    "arrange evacuation flights.", "consular");
	YES("The embassy moved to ordered departure and urged Americans abroad to shelter in "
	    "place.", "consular");
}

TEST(elections)
{
	YES("Voters went to the polls in the presidential election, and turnout was high.",
	    "elections");
	YES("The referendum on the new constitution was boycotted by the opposition.",
	    "elections");
	NO("The electric grid failed after the storm.", "elections");
	/* a vote in a legislature or a council is not an election */
	NO("The Senate will vote on the funding bill on Thursday.", "elections");
	NO("He needs every Republican vote in the Senate for the package.", "elections");
	YES("Citizens will vote in the presidential election on Sunday.", "elections");
	YES("The midterms are next month, and absentee and mail-in ballots are already being "
	    "counted.", "elections");
}

TEST(economy)
{
	YES("Trade turnover and investment grew, and the two countries agreed on joint energy "
	    "projects.", "economy");
	YES("Gas prices rose after the pipeline was shut.", "economy");
	NO("The refugees need shelter and medicine.", "economy");
	YES("Inflation and unemployment rose, and the recession hit manufacturing and exports.",
	    "economy");
}

TEST(health)
{
	YES("The pandemic forced hospitals to impose quarantine and vaccinate health workers.",
	    "health");
	YES("The WHO warned of a new outbreak of the virus.", "health");
	NO("The festival opened with a concert.", "health");
	YES("The CDC recommends boosters as the new variant spreads; doses are available.",
	    "health");
}

TEST(history)
{
	YES("Veterans laid wreaths at the memorial on the anniversary of the victory in the "
	    "Second World War.", "history");
	YES("The desecration of monuments to Soviet soldiers distorts historical memory.",
	    "history");
	NO("The ministers discussed the new visa rules.", "history");
	YES("The anniversary of the Holodomor is commemorated at the memorial.", "history");
}

TEST(law)
{
	YES("The court ruled that the seizure violated international law.", "law");
	YES("Prosecutors filed charges, and the judge set a date for the verdict.", "law");
	NO("The athletes trained for the championship.", "law");
	YES("The Attorney General said the trial would test the Rome Statute and the laws of "
	    "war.", "law");
}

TEST(territory)
{
	YES("The dispute over sovereignty of the islands remains unresolved.", "territory");
	YES("The status of the region and the country's territorial integrity were discussed.",
	    "territory");
	NO("The concert was held in the capital.", "territory");
	YES("The Philippines rejects the nine-dash line and China's maritime claims near "
	    "the Second Thomas Shoal.", "territory");
	NO("The two companies announced the settlements of their contract disputes.", "territory");
}

TEST(culture)
{
	YES("Students and teachers from both universities took part in the cultural exchange "
	    "programme.", "culture");
	YES("The museum opened an exhibition of contemporary art, and the festival hosted "
	    "concerts.", "culture");
	NO("The army shelled the villages.", "culture");
	YES("The exchange programme brings young people and students to study the language.",
	    "culture");
	YES("Student exchanges and exchange programmes for teachers resumed this year.", "culture");
}

/* The field vocabulary groups (topics.rules, "Field vocabulary"): one
 * sentence per topic, in the words of news and government reporting, each
 * carried by a term of that group (the groups' other words are measured on
 * the development sets, tests/topics/README.md). */
TEST(field_vocabulary)
{
	YES("The special military operation entered its third year as the front line barely "
	    "moved.", "armed-conflict");
	YES("ISKP claimed responsibility for the suicide bombing at the airport gate.", "terrorism");
	YES("The Black Sea Fleet moved its warships from Sevastopol to Novorossiysk.",
	    "military-security");
	YES("Moscow said the Oreshnik intermediate-range missile would be deployed in Belarus.",
	    "arms-control");
	YES("The ambassador paid a courtesy call on the new foreign minister.", "diplomacy");
	YES("The country's record will be examined in the Universal Periodic Review of the Human "
	    "Rights Council.", "multilateral");
	YES("Washington threatened secondary tariffs on buyers of Russian oil.", "sanctions");
	YES("Microsoft attributed the intrusion to Cozy Bear, a group tied to Russian "
	    "intelligence.", "cyber");
	YES("The Global Times ran an editorial accusing Western outlets of bias.", "media");
	YES("Navalny died in an Arctic penal colony, his supporters said.", "human-rights");
	YES("Trucks carrying food and medicine queued at the Kerem Shalom crossing.",
	    "humanitarian");
	YES("The administration invoked the Alien Enemies Act to speed up removal flights.",
	    "migration");
	YES("Non-emergency personnel were told to depart as the embassy suspended its consular "
	    "operations.", "consular");
	YES("The candidates will face each other in a runoff next month.", "elections");
	YES("The Power of Siberia pipeline will carry more gas to China.", "economy");
	YES("The report examined the lab leak hypothesis and gain-of-function research.", "health");
	YES("Millions marched in the Immortal Regiment on Victory Day.", "history");
	YES("The advisory opinion of the court in The Hague addressed the occupation.", "law");
	YES("Caracas revived its claim to the Essequibo region of Guyana.", "territory");
	YES("The Bolshoi ballet will tour Asia next spring.", "culture");
	/* a longer phrase takes its word from a weaker pattern of another topic
	 * ("court" in [law]; the rules before the group gave law here) */
	NO("The delegation paid a courtesy call on the mayor.", "law");
}

/* Corpus vocabulary (tests/topics/tools/mine-vocab.py): supporting words at 0.5
 * that add up with other evidence of their topic; the rules before them gave
 * none of these four. One such word alone gives nothing. */
TEST(corpus_vocabulary)
{
	YES("The enemy is sheltering in tunnels, and the death toll keeps rising as the "
	    "stalemate drags on.", "armed-conflict");
	YES("Interceptors, armored vehicles and anti-armor systems are part of the next package "
	    "for the infantry battalions.", "military-security");
	YES("Educators and colleges are getting support for in-person learning in classrooms.",
	    "culture");
	YES("The casualties are mounting and the corridors remain closed to aid workers.",
	    "humanitarian");
	NO("The airline said its carrier would resume the operation next week.", "armed-conflict");
	NO("The coalition of cities will share equipment for the festival.", "military-security");
	NO("The teaching of the parable is about patience.", "culture");
	NO("There were no casualties in the traffic accident.", "humanitarian");
}

/* Whether answer, paired (bp_pairing) after the block before of kind
 * before_kind and briefing id before_id, gets the topic id. */
static int has_paired(int before_kind, const char *before, const char *before_id,
		      const char *answer, const char *id)
{
	bp_pairing p;
	bp_tags tg;
	bp_error err;
	int got = 0;

	bp_pairing_init(&p, rules);
	if (bp_classifier_run(bc, before, strlen(before), 0, &tg, &err) != BP_OK ||
	    bp_pairing_apply(&p, before_kind, before_id, &tg, NULL, NULL, &err) != BP_OK ||
	    bp_classifier_run(bc, answer, strlen(answer), 0, &tg, &err) != BP_OK ||
	    bp_pairing_apply(&p, BP_PAIR_ANSWER, "b1", &tg, NULL, NULL, &err) != BP_OK)
		got = -1;
	for (size_t i = 0; got == 0 && i < tg.ntopics; i++)
		if (strcmp(tg.topics[i].id, id) == 0)
			got = 1;
	bp_pairing_free(&p);
	return got;
}

/* answer_credit: an answer right after a question gets the question's topic
 * at half the threshold; not after a statement, nor across briefings, nor a
 * topic the question did not get. */
TEST(answer_credit)
{
	const char *q = "Will the administration impose new sanctions on the banks?";
	const char *a = "We will announce further measures in the coming days.";

	NO(a, "sanctions");
	CHECK_INT(has_paired(BP_PAIR_QUESTION, q, "b1", a, "sanctions"), 1);
	CHECK_INT(has_paired(BP_PAIR_OTHER, q, "b1", a, "sanctions"), 0);
	CHECK_INT(has_paired(BP_PAIR_QUESTION, q, "b0", a, "sanctions"), 0);
	CHECK_INT(has_paired(BP_PAIR_QUESTION, "Will the President travel to Paris?", "b1", a,
			     "sanctions"), 0);
	/* a topic the answer gets on its own stays */
	CHECK_INT(has_paired(BP_PAIR_QUESTION, q, "b1",
			     "Hackers used ransomware to encrypt the hospital's computers.", "cyber"),
		  1);
}

int main(void)
{
	bp_error err;

	if (bp_rules_load(NULL, &rules, &err) != BP_OK || !(bc = bp_classifier_new(rules))) {
		printf("FAIL - loading the bundled rules\n");
		return 1;
	}
	RUN(armed_conflict);
	RUN(terrorism);
	RUN(military_security);
	RUN(arms_control);
	RUN(diplomacy);
	RUN(multilateral);
	RUN(sanctions);
	RUN(cyber);
	RUN(media);
	RUN(human_rights);
	RUN(humanitarian);
	RUN(migration);
	RUN(consular);
	RUN(elections);
	RUN(economy);
	RUN(health);
	RUN(history);
	RUN(law);
	RUN(territory);
	RUN(culture);
	RUN(field_vocabulary);
	RUN(corpus_vocabulary);
	RUN(answer_credit);
	bp_classifier_free(bc);
	bp_rules_free(rules);
	return DONE();
}
