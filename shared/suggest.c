/*
 * suggest — see suggest.h.
 */
#include "shared/suggest.h"

#include <string.h>

#define WORD_MAX 64
#define FAR ((size_t)-1)

size_t
suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[WORD_MAX + 1][WORD_MAX + 1];

	if (la > WORD_MAX || lb > WORD_MAX)
		return FAR;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *
suggest_closest(const char *word, const char *const *candidates, size_t n)
{
	size_t limit = strlen(word) / 3, best = FAR, i, dist;
	const char *pick = NULL;
	int ties = 0;

	if (limit < 1)
		limit = 1;
	for (i = 0; i < n; i++) {
		if (candidates[i] == NULL)
			continue;
		dist = suggest_distance(word, candidates[i]);
		if (dist == FAR)
			continue;
		if (dist < best) {
			best = dist;
			pick = candidates[i];
			ties = 0;
		} else if (dist == best && strcmp(candidates[i], pick) != 0) {
			ties++;
		}
	}
	return best <= limit && best > 0 && ties == 0 ? pick : NULL;
}
