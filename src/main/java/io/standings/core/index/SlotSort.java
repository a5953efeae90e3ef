package io.standings.core.index;

/** Stable merge sort of an {@code int[]} by a primitive comparator (no boxing), for bulk loads. */
final class SlotSort {
    @FunctionalInterface
    interface IntComparator {
        int compare(int a, int b);
    }

    private SlotSort() {
    }

    /** Sorts {@code a} in place; O(n) when it is already sorted. */
    static void sort(int[] a, IntComparator cmp) {
        int n = a.length;
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) {
            sorted = cmp.compare(a[i - 1], a[i]) <= 0;
        }
        if (sorted) {
            return;
        }
        final int run = 32;
        for (int lo = 0; lo < n; lo += run) {
            int hi = Math.min(n, lo + run);
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                int j = i - 1;
                while (j >= lo && cmp.compare(a[j], v) > 0) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
        }
        int[] src = a;
        int[] dst = new int[n];
        for (int width = run; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(n, lo + width);
                int hi = Math.min(n, lo + 2 * width);
                int i = lo;
                int j = mid;
                int k = lo;
                if (mid < hi && cmp.compare(src[mid - 1], src[mid]) <= 0) {
                    System.arraycopy(src, lo, dst, lo, hi - lo);
                    continue;
                }
                while (i < mid && j < hi) {
                    dst[k++] = cmp.compare(src[i], src[j]) <= 0 ? src[i++] : src[j++];
                }
                System.arraycopy(src, i, dst, k, mid - i);
                k += mid - i;
                System.arraycopy(src, j, dst, k, hi - j);
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, n);
        }
    }
}
